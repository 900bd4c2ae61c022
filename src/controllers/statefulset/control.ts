// One pass of upstream's StatefulSet update loop over the set's pods:
// create missing ordinals, repair identities, scale down from the highest
// ordinal, then roll pods not at the update revision from the highest
// ordinal down to the partition, at most maxUnavailable at a time.
// OrderedReady ("monotonic") stops at the first pod that is not Running,
// Ready and available; Parallel works on every ordinal at once.
import type { StatefulPodControl } from './podcontrol.ts';
import { applyRevision } from './revision.ts';
import {
  endOrdinal, inOrdinalRange, isCreated, isRunningAndAvailable, isRunningAndReady, isTerminating, isUnavailable,
  identityMatches, newVersionedPod, ordinalOf, podRevision, startOrdinal, storageMatches,
} from './identity.ts';

/** Upstream's MaxBatchSize for Parallel pod management. */
const MAX_BATCH = 500;

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

type Step = (i: number) => Promise<boolean>;

/** OrderedReady: one at a time, stopping when a step says so. Parallel: slow-start batches, stopping on an error only. */
async function runForAll(n: number, fn: Step, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < n; i++) if (await fn(i)) return true;
    return false;
  }
  let next = 0;
  for (let batch = Math.min(1, n); batch > 0; batch = Math.min(2 * batch, n - next, MAX_BATCH)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, k) => fn(next + k)));
    next += batch;
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) throw failed.reason;
  }
  return false;
}

/** maxUnavailable as a count (a percentage of replicas rounds down), never below 1. */
export function maxUnavailableOf(value: unknown, replicas: number): number {
  let n = 1;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\d+%$/.test(value)) n = Math.floor((Number(value.slice(0, -1)) * replicas) / 100);
  else if (typeof value === 'string' && /^\d+$/.test(value)) n = Number(value);
  return Math.max(1, n);
}

export function computeStatus(set: any, pods: any[], current: string, update: string, now: Date): Pick<StatefulSetStatus, 'replicas' | 'readyReplicas' | 'availableReplicas' | 'currentReplicas' | 'updatedReplicas'> {
  const minReady = set.spec?.minReadySeconds ?? 0;
  const s = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    if (!isCreated(pod)) continue;
    s.replicas++;
    if (isRunningAndReady(pod)) {
      s.readyReplicas++;
      if (isRunningAndAvailable(pod, minReady, now)) s.availableReplicas++;
    }
    if (isTerminating(pod)) continue;
    if (podRevision(pod) === current) s.currentReplicas++;
    if (podRevision(pod) === update) s.updatedReplicas++;
  }
  return s;
}

export class StatefulSetControl {
  private readonly pods: StatefulPodControl;
  private readonly now: () => Date;

  constructor(pods: StatefulPodControl, now: () => Date) {
    this.pods = pods;
    this.now = now;
  }

  /**
   * Works the set's pods toward its spec. Always resolves to the status to
   * record; `error` is set when a write failed and the set needs a retry.
   */
  async update(set: any, pods: any[], currentRev: any, updateRev: any, collisionCount: number, controllerRef: any): Promise<{ status: StatefulSetStatus; error?: unknown }> {
    const now = this.now();
    const minReady = set.spec?.minReadySeconds ?? 0;
    const currentSet = applyRevision(set, currentRev);
    const updateSet = applyRevision(set, updateRev);
    const current = currentRev.metadata.name;
    const update = updateRev.metadata.name;
    const status: StatefulSetStatus = {
      ...computeStatus(set, pods, current, update, now),
      currentRevision: current, updateRevision: update, collisionCount,
      ...(set.metadata.generation ? { observedGeneration: set.metadata.generation } : {}),
    };
    const start = startOrdinal(set);
    const replicas: any[] = new Array(Math.max(0, endOrdinal(set) - start + 1));
    const condemned: any[] = [];
    for (const pod of pods) {
      if (inOrdinalRange(pod, set)) replicas[ordinalOf(pod) - start] = pod;
      else if (ordinalOf(pod) >= 0) condemned.push(pod);
    }
    for (let i = 0; i < replicas.length; i++) {
      replicas[i] ??= newVersionedPod(currentSet, updateSet, current, update, start + i, controllerRef);
    }
    condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
    const unavailable = (p: any) => isUnavailable(p, minReady, now);
    const firstUnhealthy = replicas.find(unavailable) ?? [...condemned].reverse().find(unavailable);
    const recount = () => Object.assign(status, computeStatus(set, [...replicas, ...condemned], current, update, now));
    if (set.metadata.deletionTimestamp) return { status };
    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';

    try {
      if (await runForAll(replicas.length, (i) => this.processReplica(set, updateSet, monotonic, replicas, i, now), monotonic)) return { status: recount() };
      const fixClaims: Step = async (i) => {
        if (!this.pods.claimsMatchRetention(updateSet, condemned[i])) await this.pods.updateClaimsForRetention(updateSet, condemned[i]);
        return false;
      };
      if (await runForAll(condemned.length, fixClaims, monotonic)) return { status: recount() };
      if (await runForAll(condemned.length, (i) => this.processCondemned(set, firstUnhealthy, monotonic, condemned, i, now), monotonic)) return { status: recount() };
      recount();
      if (set.spec?.updateStrategy?.type === 'OnDelete') return { status };
      await this.rollingUpdate(set, replicas, update, status, now);
      return { status };
    } catch (error) {
      recount();
      return { status, error };
    }
  }

  /** One replica in range; true means stop here (OrderedReady waits for it). */
  private async processReplica(set: any, updateSet: any, monotonic: boolean, replicas: any[], i: number, now: Date): Promise<boolean> {
    const pod = replicas[i];
    const phase = pod.status?.phase;
    // A pod that ran to an end (evicted, node restarted) is deleted and comes back with the same name.
    if (phase === 'Failed' || phase === 'Succeeded') {
      if (!isTerminating(pod)) await this.pods.deletePod(set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      if (this.pods.podClaimIsStale(set, pod)) return true;
      await this.pods.createPod(set, pod);
      if (monotonic) return true;
    }
    if (phase === 'Pending') await this.pods.createClaims(set, pod);
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0, now))) return true;
    if (!isCreated(pod)) return false;
    if (identityMatches(set, pod) && storageMatches(set, pod) && this.pods.claimsMatchRetention(updateSet, pod)) return false;
    await this.pods.updatePod(updateSet, pod);
    return false;
  }

  private async processCondemned(set: any, firstUnhealthy: any, monotonic: boolean, condemned: any[], i: number, now: Date): Promise<boolean> {
    const pod = condemned[i];
    if (isTerminating(pod)) return monotonic;
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (monotonic && pod !== firstUnhealthy && !isRunningAndAvailable(pod, minReady, now)) return true;
    await this.pods.deletePod(set, pod);
    return true;
  }

  /** Deletes up to maxUnavailable (less those already unavailable) pods at an old revision, highest ordinal first, down to the partition. */
  private async rollingUpdate(set: any, replicas: any[], update: string, status: StatefulSetStatus, now: Date): Promise<void> {
    const ru = set.spec?.updateStrategy?.rollingUpdate;
    const partition = ru?.partition ?? 0;
    const maxUnavailable = maxUnavailableOf(ru?.maxUnavailable, replicas.length);
    const minReady = set.spec?.minReadySeconds ?? 0;
    const unavailable = replicas.filter((p) => isUnavailable(p, minReady, now)).length;
    if (unavailable > maxUnavailable) return;
    let budget = maxUnavailable - unavailable;
    for (let target = replicas.length - 1; target >= partition && budget > 0; target--) {
      const pod = replicas[target];
      if (podRevision(pod) !== update && !isTerminating(pod)) {
        await this.pods.deletePod(set, pod);
        budget--;
        status.currentReplicas--;
      }
    }
  }
}
