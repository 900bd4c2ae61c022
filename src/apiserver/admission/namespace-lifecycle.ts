// NamespaceLifecycle: nothing is created in a namespace that does not
// exist or is being terminated, and the system namespaces cannot be deleted.
import { newForbidden, newNotFound } from '../../machinery/errors.ts';
import type { AdmissionPlugin } from './index.ts';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** Looks a namespace up (from the watch cache, falling back to storage). */
export type NamespaceGetter = (name: string) => Promise<any | null>;

// Review objects are namespaced but never stored; upstream exempts them too.
const EXEMPT = new Set(['localsubjectaccessreviews', 'bindings']);

export function namespaceLifecycle(getNamespace: NamespaceGetter): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async validate(a) {
      if (a.resource.resource === 'namespaces' && a.resource.group === '') {
        if (a.operation === 'DELETE' && (SYSTEM_NAMESPACES as readonly string[]).includes(a.name)) {
          throw newForbidden({ group: '', resource: 'namespaces' }, a.name, `this namespace may not be deleted`);
        }
        return;
      }
      if (!a.resource.namespaced || a.operation !== 'CREATE' || EXEMPT.has(a.resource.resource)) return;
      const ns = await getNamespace(a.namespace);
      if (!ns) throw newNotFound({ group: '', resource: 'namespaces' }, a.namespace);
      if (ns.status?.phase === 'Terminating' || ns.metadata?.deletionTimestamp) {
        // Upstream lets these through so that controllers can finish cleaning up.
        if (a.resource.group === '' && a.resource.resource === 'events') return;
        throw newForbidden(
          { group: a.resource.group, resource: a.resource.resource }, a.name,
          `unable to create new content in namespace ${a.namespace} because it is being terminated`,
        );
      }
    },
  };
}
