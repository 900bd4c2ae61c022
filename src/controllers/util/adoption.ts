// Adopting and releasing pods: the ownerReferences patch every workload
// controller sends, guarded by the pod's uid so that a pod re-created under
// the same name is never taken by mistake.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';

const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
const code = (err: unknown): number | undefined => (err as any)?.status?.code;

/** Sets a pod's ownerReferences; undefined when the pod is gone or was replaced (404, 409). */
export async function setPodOwners(client: Client, pod: any, refs: any[]): Promise<any | undefined> {
  try {
    return await client.patch(PODS, pod.metadata.namespace, pod.metadata.name,
      { metadata: { ownerReferences: refs.length ? refs : null, uid: pod.metadata.uid } }, { type: 'merge' });
  } catch (err) {
    if (code(err) === 404 || code(err) === 409) return undefined;
    throw err;
  }
}
