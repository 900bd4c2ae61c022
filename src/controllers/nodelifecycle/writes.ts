// The node lifecycle controller's writes: node taints (a merge patch guarded
// by the resourceVersion, retried once on a fresh copy) and upstream's
// MarkPodsNotReady (each Ready pod on the node gets Ready=False and a
// NodeNotReady warning event).
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Recorder } from '../../client/events.ts';
import type { Taint } from './taints.ts';
import { isDeepStrictEqual } from 'node:util';

const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;
const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;

const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Sets the node's taints to change(current taints); does nothing when they would not change. */
export async function patchTaints(client: Client, node: any, change: (taints: Taint[]) => Taint[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current: Taint[] = node.spec?.taints ?? [];
    const next = change(current);
    if (isDeepStrictEqual(next, current)) return;
    try {
      await client.patch(NODES, '', node.metadata.name, {
        metadata: { resourceVersion: node.metadata.resourceVersion },
        spec: { taints: next.length ? next : null },
      }, { type: 'merge' });
      return;
    } catch (err) {
      if ((err as any)?.status?.code !== 409 || attempt > 0) throw err;
      node = await client.get(NODES, '', node.metadata.name);
    }
  }
}

export async function markPodsNotReady(client: Client, recorder: Recorder, pods: any[], nodeName: string, nowMs: number): Promise<void> {
  const errors: unknown[] = [];
  for (const pod of pods) {
    if (pod.spec?.nodeName !== nodeName) continue;
    const conditions: any[] = pod.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'False') continue;
    const updated = conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: stamp(nowMs) } : c));
    try {
      await client.update(PODS, pod.metadata.namespace, { ...pod, status: { ...pod.status, conditions: updated } }, { subresource: 'status' });
    } catch (err) {
      if ((err as any)?.status?.code === 404) continue; // the pod is gone: nothing left to mark
      errors.push(err);
      continue;
    }
    recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Warning', 'NodeNotReady', 'Node is not ready');
  }
  if (errors.length) throw new Error(`could not mark ${errors.length} pod(s) not ready: ${String(errors[0])}`);
}
