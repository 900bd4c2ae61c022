// Pod facts the workload controllers share: readiness, availability,
// controller references, and upstream's ranking of which pods to delete
// first when scaling down.
import type { Indexer } from '../../client/informer.ts';

export function isPodActive(pod: any): boolean {
  const phase = pod?.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod?.metadata?.deletionTimestamp;
}

export function readyCondition(pod: any): any | undefined {
  return (pod?.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
}

export function isPodReady(pod: any): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds. */
export function isPodAvailable(pod: any, minReadySeconds: number, now: Date): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
  return since > 0 && since + minReadySeconds * 1000 <= now.getTime();
}

export function controllerRef(obj: any): any | undefined {
  return (obj?.metadata?.ownerReferences ?? []).find((r: any) => r.controller === true);
}

/** Index of the pods no controller owns, by namespace: the ones a controller may adopt. */
export const byOrphanNamespace: Indexer = (o) => (controllerRef(o) ? [] : [o?.metadata?.namespace ?? '']);

/**
 * The pods a controller has to consider, as upstream's FilterPodsByOwner:
 * those that reference it (an `owner` index of byOwnerUid) and the orphans
 * of its namespace (an `orphan` index of byOrphanNamespace); not every pod of
 * the namespace.
 */
export function podsForOwner(pods: { byIndex(index: string, value: string): any[] }, namespace: string, uid: string): any[] {
  const out = pods.byIndex('owner', uid).filter((p) => p.metadata.namespace === namespace);
  const seen = new Set(out);
  for (const p of pods.byIndex('orphan', namespace)) if (!seen.has(p)) out.push(p);
  return out;
}

export function newControllerRef(owner: any, apiVersion: string, kind: string): any {
  return { apiVersion, kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: any): number {
  return (pod?.status?.containerStatuses ?? []).reduce((n: number, c: any) => Math.max(n, c.restartCount ?? 0), 0);
}

function readySince(pod: any): number {
  const t = readyCondition(pod)?.lastTransitionTime;
  return t ? Date.parse(t) : 0;
}

/**
 * Orders pods so that the ones to delete first come first: unassigned before
 * assigned, pending before unknown before running, not ready before ready,
 * more pods on the same node first, ready for less time first, more
 * restarts first, newer first.
 */
export function rankForDeletion(pods: any[], podsPerNode: Map<string, number>): any[] {
  return [...pods].sort((a, b) => {
    const an = a.spec?.nodeName ? 1 : 0;
    const bn = b.spec?.nodeName ? 1 : 0;
    if (an !== bn) return an - bn;
    const ap = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
    const bp = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
    if (ap !== bp) return ap - bp;
    const ar = isPodReady(a) ? 1 : 0;
    const br = isPodReady(b) ? 1 : 0;
    if (ar !== br) return ar - br;
    const ac = podsPerNode.get(a.spec?.nodeName ?? '') ?? 0;
    const bc = podsPerNode.get(b.spec?.nodeName ?? '') ?? 0;
    if (ac !== bc) return bc - ac;
    if (ar && br) {
      const d = readySince(b) - readySince(a);
      if (d !== 0) return d;
    }
    const rs = restarts(b) - restarts(a);
    if (rs !== 0) return rs;
    return Date.parse(b.metadata.creationTimestamp ?? 0) - Date.parse(a.metadata.creationTimestamp ?? 0);
  });
}
