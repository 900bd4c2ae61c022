// What the apiserver makes sure exists before it serves: the system
// namespaces (upstream's bootstrap controller keeps these too).
import type { ResourceStore } from './registry/store.ts';
import { SYSTEM_NAMESPACES } from './admission/namespace-lifecycle.ts';

export async function ensureSystemNamespaces(namespaces: ResourceStore): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    const obj: any = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] } };
    namespaces.prepareCreate(obj, '');
    try {
      await namespaces.create(obj);
    } catch (err) {
      if ((err as any)?.status?.reason !== 'AlreadyExists') throw err;
    }
  }
}
