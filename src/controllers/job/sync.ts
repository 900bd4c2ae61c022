// One sync of one Job (upstream's syncJob with its syncJobCtx): count what
// finished, decide whether the Job failed or succeeded, create or delete
// pods, then record finished pods in uncountedTerminatedPods, remove their
// tracking finalizers, move them into the counters and add the terminal
// condition once nothing is left uncounted or terminating.
import { RESOURCES } from '../../api/resources.ts';
import type { Result } from '../../client/controller.ts';
import { controllerRef, isPodActive, isPodReady, newControllerRef, rankForDeletion } from '../util/pods.ts';
import { selectorMatcher } from '../util/selector.ts';
import { isDeepStrictEqual } from 'node:util';
import { completionIndex, firstPendingIndexes, formatIndexes, parseIndexes } from './indexes.ts';
import type { BackoffRecord } from './backoff.ts';
import { nextBackoffRecord, remainingBackoffMs } from './backoff.ts';
import { failJobMessage, isPodFailed, matchPodFailurePolicy, onlyReplaceFailed } from './policy.ts';
import { hasTrackingFinalizer, podFromTemplate } from './pods.ts';
import type { Cond } from './conditions.ts';
import { deadlineRemainingMs, ensureCondition, findCondition, isComplete, isSuspended, newCondition, pastBackoffLimitOnFailure, stamp, wantActive } from './conditions.ts';
import type { JobController } from './index.ts';

export const JOBS = RESOURCES.find((r) => r.group === 'batch' && r.resource === 'jobs')!;
const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
const code = (err: unknown) => (err as any)?.status?.code;

/** One sync of one Job: the state of upstream's syncJobCtx. */
export class JobSync {
  private readonly c: JobController;
  private readonly key: string;
  private job: any;
  private readonly now: Date;
  private requeueMs: number | undefined;

  constructor(c: JobController, key: string, job: any) {
    this.c = c;
    this.key = key;
    this.job = job;
    this.now = c.clock();
  }

  private requeue(ms: number): void {
    if (ms > 0 && (this.requeueMs === undefined || ms < this.requeueMs)) this.requeueMs = ms;
  }

  private async podsForJob(): Promise<any[]> {
    const job = this.job;
    const uid = job.metadata.uid;
    const matches = selectorMatcher(job.spec?.selector, 'Job');
    const out: any[] = [];
    for (const pod of this.c.config.pods.byIndex('namespace', job.metadata.namespace)) {
      const ref = controllerRef(pod);
      if (ref?.uid === uid) out.push(pod);
      else if (!ref && matches(pod.metadata.labels ?? {}) && !pod.metadata.deletionTimestamp && !job.metadata.deletionTimestamp) {
        try {
          const adopted = await this.c.config.client.patch(PODS, pod.metadata.namespace, pod.metadata.name,
            { metadata: { ownerReferences: [...(pod.metadata.ownerReferences ?? []), newControllerRef(job, 'batch/v1', 'Job')], uid: pod.metadata.uid } }, { type: 'merge' });
          out.push(adopted);
        } catch (err) {
          if (code(err) !== 404 && code(err) !== 409) throw err;
        }
      }
    }
    return out;
  }

  async run(): Promise<Result> {
    const job = this.job;
    const spec = job.spec ?? {};
    const status = (job.status ??= {});
    const original = structuredClone(status);
    status.uncountedTerminatedPods ??= {};
    const unc = status.uncountedTerminatedPods;
    const uncSucc = new Set<string>(unc.succeeded ?? []);
    const uncFail = new Set<string>(unc.failed ?? []);
    const satisfied = this.c.expectations.satisfied(this.key);
    const pods = await this.podsForJob();
    const expectedRm = this.c.expectedRemovals(this.key);
    const hasFin = (p: any) => hasTrackingFinalizer(p) && !expectedRm.has(p.metadata.uid);
    const indexed = spec.completionMode === 'Indexed';
    const completions: number = spec.completions ?? 0;
    const validIndex = (p: any) => !indexed || (completionIndex(p) >= 0 && completionIndex(p) < completions);
    const activePods = pods.filter(isPodActive);
    let active = activePods.length;
    let ready = activePods.filter(isPodReady).length;
    let terminating = pods.filter((p) => p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
    const fresh = (p: any, seen: Set<string>) => hasFin(p) && !seen.has(p.metadata.uid) && validIndex(p);
    const newSucceeded = pods.filter((p) => fresh(p, uncSucc) && p.status?.phase === 'Succeeded');
    const newFailed = pods.filter((p) => fresh(p, uncFail) && isPodFailed(p, job));
    const counted = newFailed.filter((p) => matchPodFailurePolicy(spec.podFailurePolicy, p).count);
    let succeeded = (status.succeeded ?? 0) + newSucceeded.length + uncSucc.size;
    const failed = (status.failed ?? 0) + counted.length + uncFail.size;
    if (!status.startTime && !isSuspended(job)) status.startTime = stamp(this.now);
    const backoff = nextBackoffRecord(this.c.backoffOf(this.key), newSucceeded, newFailed);

    let finished: (Cond & { interim?: boolean }) | undefined;
    const met = findCondition(job, 'SuccessCriteriaMet');
    if (met) finished = { type: 'SuccessCriteriaMet', reason: met.reason ?? '', message: met.message ?? '' };
    if (!finished) {
      const target = findCondition(job, 'FailureTarget');
      const msg = target ? undefined : failJobMessage(job, pods);
      if (target) finished = { type: 'Failed', reason: target.reason ?? '', message: target.message ?? '' };
      else if (msg) finished = { type: 'FailureTarget', reason: 'PodFailurePolicy', message: msg };
    }
    if (!finished) {
      const remaining = deadlineRemainingMs(job, this.now);
      if (failed > (spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
        finished = { type: 'FailureTarget', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
      } else if (remaining !== undefined && remaining <= 0) {
        finished = { type: 'FailureTarget', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
      } else if (remaining !== undefined) this.requeue(remaining);
    }

    const prevSucceededIdx = indexed ? new Set(parseIndexes(status.completedIndexes, completions)) : new Set<number>();
    const succeededIdx = new Set(prevSucceededIdx);
    if (indexed) {
      for (const p of pods) if (p.status?.phase === 'Succeeded' && hasTrackingFinalizer(p) && validIndex(p)) succeededIdx.add(completionIndex(p));
      succeeded = succeededIdx.size;
    }

    let suspendChanged = false;
    if (finished) {
      // The Job is failing: stop its pods (their finalizers go below, once they count as failed).
      const { deleted, deletedReady } = await this.deletePods(activePods, false);
      if (deleted !== active || !satisfied) finished = undefined;
      active -= deleted;
      terminating += deleted;
      ready -= deletedReady;
    } else {
      let managed = false;
      if (satisfied && !job.metadata.deletionTimestamp) {
        const r = await this.manage(activePods, succeeded, terminating, succeededIdx, backoff);
        active = r.active;
        terminating += r.deleted;
        ready -= r.deletedReady;
        managed = true;
      }
      if (isComplete(job, succeeded, active)) {
        finished = { type: 'SuccessCriteriaMet', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
      } else if (managed) {
        const conds = (status.conditions ??= []);
        if (isSuspended(job)) {
          suspendChanged = ensureCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', this.now);
          if (suspendChanged) this.c.config.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
        } else {
          suspendChanged = ensureCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', this.now);
          if (suspendChanged) {
            this.c.config.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
            // activeDeadlineSeconds counts continuous activity: it restarts on resume.
            status.startTime = stamp(this.now);
          }
        }
        if (!status.conditions.length) delete status.conditions;
      }
    }
    status.active = active;
    status.ready = ready;
    status.terminating = terminating;
    await this.track(pods, hasFin, validIndex, uncSucc, uncFail, finished, prevSucceededIdx, succeededIdx, backoff, original);
    return this.requeueMs !== undefined ? { requeueAfterMs: this.requeueMs } : undefined;
  }

  /** Creates or deletes pods towards the wanted number (upstream's manageJob). */
  private async manage(activePods: any[], succeeded: number, terminating: number, succeededIdx: Set<number>, backoff: BackoffRecord) {
    const job = this.job;
    let active = activePods.length;
    if (isSuspended(job)) {
      const r = await this.deletePods(activePods, true);
      return { active: active - r.deleted, deleted: r.deleted, deletedReady: r.deletedReady };
    }
    const want = wantActive(job, succeeded, active);
    const indexed = job.spec.completionMode === 'Indexed';
    const completions = job.spec.completions ?? 0;
    let victims: any[] = [];
    const keep: any[] = [];
    if (indexed) {
      // Pods without a valid index, for an index already done, or duplicating another pod's index go first.
      const seen = new Set<number>();
      for (const p of [...activePods].sort((a, b) => completionIndex(a) - completionIndex(b))) {
        const ix = completionIndex(p);
        if (ix < 0 || ix >= completions || succeededIdx.has(ix) || seen.has(ix)) victims.push(p);
        else { seen.add(ix); keep.push(p); }
      }
    } else keep.push(...activePods);
    const rmAtLeast = Math.max(0, active - want);
    if (victims.length < rmAtLeast) victims.push(...rankForDeletion(keep, new Map()).slice(0, rmAtLeast - victims.length));
    victims = victims.slice(0, this.c.burst());
    if (victims.length > 0) {
      const r = await this.deletePods(victims, true);
      return { active: active - r.deleted, deleted: r.deleted, deletedReady: r.deletedReady };
    }
    let diff = want - (onlyReplaceFailed(job) ? terminating : 0) - active;
    if (diff <= 0) return { active, deleted: 0, deletedReady: 0 };
    const [base, max] = this.c.backoffLimits();
    const wait = remainingBackoffMs(backoff, this.now.getTime(), base, max);
    if (wait > 0) {
      this.requeue(wait);
      return { active, deleted: 0, deletedReady: 0 };
    }
    diff = Math.min(diff, this.c.burst());
    let indexes: number[] = [];
    if (indexed) {
      const activeIdx = new Set(activePods.map(completionIndex));
      indexes = firstPendingIndexes(succeededIdx, activeIdx, diff, completions);
      diff = indexes.length;
    }
    active += await this.createPods(diff, indexes);
    return { active, deleted: 0, deletedReady: 0 };
  }

  /** Creates in slow-start batches (1, 2, 4, …); returns how many were created. */
  private async createPods(count: number, indexes: number[]): Promise<number> {
    const job = this.job;
    const { client, recorder } = this.c.config;
    this.c.expectations.expect(this.key, count, 0);
    const ref = newControllerRef(job, 'batch/v1', 'Job');
    let created = 0;
    let remaining = count;
    for (let batch = 1; remaining > 0; batch *= 2) {
      const n = Math.min(batch, remaining);
      const results = await Promise.allSettled(Array.from({ length: n }, (_, i) =>
        client.create(PODS, job.metadata.namespace, podFromTemplate(job, ref, indexes.length ? indexes[count - remaining + i] : -1))));
      remaining -= n;
      const failures = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      for (const r of results) if (r.status === 'fulfilled') { created++; recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`); }
      if (failures.length) {
        const msg = (failures[0].reason as any)?.status?.message ?? String(failures[0].reason);
        recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${msg}`);
        this.c.expectations.lower(this.key, failures.length + remaining, 0);
        throw failures[0].reason;
      }
    }
    return created;
  }

  /**
   * Deletes pods. `uncount`: the pods leave without counting as failures
   * (suspend, too many running), so their finalizer goes first; a failing
   * Job's pods keep it and are counted as failed when they terminate.
   */
  private async deletePods(pods: any[], uncount: boolean): Promise<{ deleted: number; deletedReady: number }> {
    const job = this.job;
    const { client, recorder } = this.c.config;
    if (pods.length === 0) return { deleted: 0, deletedReady: 0 };
    if (uncount) this.c.expectations.expect(this.key, 0, pods.length);
    let deleted = 0;
    let deletedReady = 0;
    let firstErr: unknown;
    await Promise.all(pods.map(async (p) => {
      try {
        if (uncount && hasTrackingFinalizer(p)) await this.c.removeFinalizer(p);
        await client.delete(PODS, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
        recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        deleted++;
        if (isPodReady(p)) deletedReady++;
      } catch (err) {
        if (uncount) this.c.expectations.lower(this.key, 0, 1);
        if (code(err) === 404) { deleted++; return; }
        firstErr ??= err;
      }
    }));
    if (firstErr) throw firstErr;
    return { deleted, deletedReady };
  }

  private async writeStatus(): Promise<void> {
    const job = this.job;
    try {
      const updated = await this.c.config.client.update(JOBS, job.metadata.namespace, job, { subresource: 'status' });
      job.metadata.resourceVersion = updated.metadata.resourceVersion;
    } catch (err) {
      if (code(err) === 404) return;
      throw err;
    }
  }

  /** Upstream's trackJobStatusAndRemoveFinalizers. */
  private async track(pods: any[], hasFin: (p: any) => boolean, validIndex: (p: any) => boolean, uncSucc: Set<string>, uncFail: Set<string>,
    finished: Cond | undefined, prevIdx: Set<number>, succeededIdx: Set<number>, backoff: BackoffRecord, original: any): Promise<void> {
    const job = this.job;
    const status = job.status;
    const unc = status.uncountedTerminatedPods;
    const indexed = job.spec.completionMode === 'Indexed';
    const toRemove: any[] = [];
    const ordered = indexed ? [...pods].sort((a, b) => completionIndex(a) - completionIndex(b)) : pods;
    for (const pod of ordered) {
      if (!hasFin(pod)) continue;
      const uid = pod.metadata.uid;
      const podFailed = isPodFailed(pod, job);
      const succeededPod = pod.status?.phase === 'Succeeded';
      if (!(job.metadata.deletionTimestamp || finished || succeededPod || podFailed)) continue;
      toRemove.push(pod);
      if (succeededPod && !uncFail.has(uid)) {
        if (indexed) {
          const ix = completionIndex(pod);
          if (validIndex(pod) && !prevIdx.has(ix)) succeededIdx.add(ix);
        } else if (!uncSucc.has(uid)) (unc.succeeded ??= []).push(uid);
      } else if ((podFailed || (finished && finished.type !== 'SuccessCriteriaMet')) && !uncFail.has(uid) && validIndex(pod)) {
        if (matchPodFailurePolicy(job.spec.podFailurePolicy, pod).count) (unc.failed ??= []).push(uid);
      }
    }
    if (indexed) {
      status.completedIndexes = formatIndexes(succeededIdx);
      status.succeeded = succeededIdx.size;
    }
    const conds = (status.conditions ??= []);
    if (finished?.type === 'FailureTarget') {
      conds.push(newCondition('FailureTarget', 'True', finished.reason, finished.message, this.now));
      finished = { ...finished, type: 'Failed' };
    } else if (finished?.type === 'SuccessCriteriaMet') {
      if (!conds.some((c: any) => c.type === 'SuccessCriteriaMet' && c.status === 'True')) conds.push(newCondition('SuccessCriteriaMet', 'True', finished.reason, finished.message, this.now));
      finished = { ...finished, type: 'Complete' };
    }
    if (!conds.length) delete status.conditions;
    this.normalize();
    // Record what finished before any finalizer goes, so that no pod is ever lost or counted twice.
    if (!isDeepStrictEqual(status, original)) await this.writeStatus();
    this.c.setBackoff(this.key, backoff);

    const stillWithFinalizer = new Set(pods.filter(hasFin).map((p) => p.metadata.uid));
    const expected = this.c.expectedRemovals(this.key);
    let rmErr: unknown;
    await Promise.all(toRemove.map(async (p) => {
      expected.add(p.metadata.uid);
      try {
        await this.c.removeFinalizer(p);
        stillWithFinalizer.delete(p.metadata.uid);
      } catch (err) {
        if (code(err) === 404) { stillWithFinalizer.delete(p.metadata.uid); return; }
        expected.delete(p.metadata.uid);
        rmErr ??= err;
      }
    }));
    const before = structuredClone(status);
    for (const [list, counter] of [['succeeded', 'succeeded'], ['failed', 'failed']] as const) {
      const uids: string[] = unc[list] ?? [];
      const left = uids.filter((u) => stillWithFinalizer.has(u));
      if (left.length !== uids.length) status[counter] = (status[counter] ?? 0) + uids.length - left.length;
      if (uids.length) unc[list] = left;
    }
    let finishedNow = false;
    const uncounted = (unc.succeeded?.length ?? 0) + (unc.failed?.length ?? 0);
    if (finished && uncounted === 0 && status.terminating === 0) {
      ensureCondition((status.conditions ??= []), finished.type, 'True', finished.reason, finished.message, this.now);
      if (finished.type === 'Complete') status.completionTime = stamp(this.now);
      finishedNow = true;
    }
    this.normalize();
    if (!isDeepStrictEqual(status, before)) await this.writeStatus();
    if (finishedNow) this.recordFinished(finished!);
    if (rmErr) throw rmErr;
  }

  /** Upstream omits zero counters and empty lists (omitempty). */
  private normalize(): void {
    const s = this.job.status;
    for (const k of ['active', 'succeeded', 'failed']) if (s[k] === 0) delete s[k];
    const unc = s.uncountedTerminatedPods;
    for (const k of ['succeeded', 'failed']) if (Array.isArray(unc[k]) && unc[k].length === 0) delete unc[k];
    if (s.completedIndexes === '') delete s.completedIndexes;
  }

  private recordFinished(cond: Cond): void {
    const job = this.job;
    const { recorder } = this.c.config;
    if (cond.type === 'Complete') {
      if (job.spec.completions != null && (job.status.succeeded ?? 0) > job.spec.completions) {
        recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      }
      recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else recorder.event(job, 'Warning', cond.reason, cond.message);
  }
}
