// The arithmetic of a PodDisruptionBudget's status, as upstream's disruption
// controller: which pods it covers, how many must stay healthy (percentages
// rounded up against the owning controllers' scale), and how many may go.
import { selectorIsEmpty, selectorMatches } from '../../api/core/v1/selector.ts';
import { intOrPercent } from '../deployment/math.ts';
import { controllerRef, isPodReady } from '../util/pods.ts';

/** Upstream's DeletionTimeout: an eviction the pod does not confirm by deleting itself within 2 min is forgotten. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** Lookups of pod owners by namespace/name (informer caches in production). */
export interface Owners {
  replicaSet(key: string): any | undefined;
  deployment(key: string): any | undefined;
  statefulSet(key: string): any | undefined;
  replicationController(key: string): any | undefined;
}

/** policy/v1: an empty selector covers every pod of the namespace, an absent one none. */
export function pdbSelects(pdb: any, pod: any): boolean {
  const sel = pdb.spec?.selector;
  if (!sel || pod.metadata.namespace !== pdb.metadata.namespace) return false;
  return selectorIsEmpty(sel) || selectorMatches(sel, pod.metadata.labels ?? {});
}

const isPercent = (v: unknown) => typeof v === 'string' && v.endsWith('%');

/** The total scale of the controllers behind the pods (upstream's getExpectedScale); throws if a pod has none we know. */
export function expectedScale(pods: any[], owners: Owners): number {
  const seen = new Map<string, number>();
  for (const pod of pods) {
    const ns = pod.metadata.namespace;
    const ref = controllerRef(pod);
    if (!ref) throw new Error(`found no controller ref for pod "${pod.metadata.name}"`);
    const same = (o: any, r: any) => (o && o.metadata.uid === r.uid ? o : undefined);
    let found: any;
    if (ref.kind === 'ReplicaSet') {
      const rs = same(owners.replicaSet(`${ns}/${ref.name}`), ref);
      const dref = rs && controllerRef(rs);
      // A Deployment's ReplicaSets are scaled by it: its replicas count.
      found = dref?.kind === 'Deployment' ? same(owners.deployment(`${ns}/${dref.name}`), dref) : rs;
    } else if (ref.kind === 'StatefulSet') found = same(owners.statefulSet(`${ns}/${ref.name}`), ref);
    else if (ref.kind === 'ReplicationController') found = same(owners.replicationController(`${ns}/${ref.name}`), ref);
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    seen.set(found.metadata.uid, found.spec?.replicas ?? 1);
  }
  let total = 0;
  for (const n of seen.values()) total += n;
  return total;
}

export interface Counts { expectedPods: number; desiredHealthy: number }

/** Upstream's getExpectedPodCount. */
export function expectedCounts(pdb: any, pods: any[], owners: Owners): Counts {
  const { maxUnavailable, minAvailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const expectedPods = expectedScale(pods, owners);
    const unavailable = intOrPercent(maxUnavailable, expectedPods, true);
    return { expectedPods, desiredHealthy: Math.max(0, expectedPods - unavailable) };
  }
  if (minAvailable !== undefined && minAvailable !== null) {
    if (!isPercent(minAvailable)) return { expectedPods: pods.length, desiredHealthy: intOrPercent(minAvailable, 0, true) };
    const expectedPods = expectedScale(pods, owners);
    return { expectedPods, desiredHealthy: intOrPercent(minAvailable, expectedPods, true) };
  }
  return { expectedPods: 0, desiredHealthy: 0 };
}

/**
 * The evictions still awaiting their pod's deletion (upstream's
 * buildDisruptedPodMap) and when the earliest of them expires.
 */
export function disruptedPods(pdb: any, pods: any[], now: Date): { map: Record<string, string>; recheckAt?: number } {
  const old: Record<string, string> = pdb.status?.disruptedPods ?? {};
  const map: Record<string, string> = {};
  let recheckAt: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata.name;
    if (pod.metadata.deletionTimestamp || !old[name]) continue;
    const expires = Date.parse(old[name]) + DELETION_TIMEOUT_MS;
    if (expires < now.getTime()) continue;
    map[name] = old[name];
    recheckAt = recheckAt === undefined ? expires : Math.min(recheckAt, expires);
  }
  return { map, recheckAt };
}

/** Ready pods that are neither being deleted nor already evicted. */
export function countHealthy(pods: any[], disrupted: Record<string, string>): number {
  return pods.filter((p) => !p.metadata.deletionTimestamp && !disrupted[p.metadata.name] && isPodReady(p)).length;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The DisruptionAllowed condition; lastTransitionTime only moves when the status does. */
export function allowedCondition(old: any[] | undefined, generation: number, status: 'True' | 'False', reason: string, message: string, now: Date): any[] {
  const prev = (old ?? []).find((c) => c.type === 'DisruptionAllowed');
  const cond = {
    type: 'DisruptionAllowed', status, reason, message,
    observedGeneration: generation,
    lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : rfc3339(now),
  };
  return [...(old ?? []).filter((c) => c.type !== 'DisruptionAllowed'), cond];
}

/** The whole status upstream's trySync (or failSafe, on error) writes. */
export function computeStatus(pdb: any, allPods: any[], owners: Owners, now: Date): { status: any; recheckAt?: number } {
  const pods = allPods.filter((p) => pdbSelects(pdb, p));
  const generation = pdb.metadata.generation ?? 0;
  let counts: Counts;
  try {
    counts = expectedCounts(pdb, pods, owners);
  } catch (err) {
    const status = {
      ...(pdb.status ?? {}), observedGeneration: generation, disruptionsAllowed: 0,
      conditions: allowedCondition(pdb.status?.conditions, generation, 'False', 'SyncFailed', (err as Error).message, now),
    };
    return { status };
  }
  const { map, recheckAt } = disruptedPods(pdb, pods, now);
  const currentHealthy = countHealthy(pods, map);
  let allowed = currentHealthy - counts.desiredHealthy;
  if (counts.expectedPods <= 0 || allowed <= 0) allowed = 0;
  const status: any = {
    observedGeneration: generation,
    disruptionsAllowed: allowed,
    currentHealthy,
    desiredHealthy: counts.desiredHealthy,
    expectedPods: counts.expectedPods,
    conditions: allowedCondition(pdb.status?.conditions, generation, allowed > 0 ? 'True' : 'False', allowed > 0 ? 'SufficientPods' : 'InsufficientPods', '', now),
  };
  if (Object.keys(map).length > 0) status.disruptedPods = map;
  return { status, recheckAt };
}
