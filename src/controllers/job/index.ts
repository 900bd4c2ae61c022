// The Job controller (batch/v1): runs pods to completion with upstream's
// tracking — a finalizer on every pod, finished pods recorded first in
// status.uncountedTerminatedPods and counted once their finalizer is gone —
// completions and parallelism (NonIndexed and Indexed), backoffLimit with
// exponential pod-failure backoff, activeDeadlineSeconds, podFailurePolicy,
// suspend, and the interim SuccessCriteriaMet/FailureTarget conditions that
// precede Complete/Failed.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import { keyOf } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import type { Recorder } from '../../client/events.ts';
import { Expectations } from '../util/expectations.ts';
import { controllerRef } from '../util/pods.ts';
import { selectorMatcher } from '../util/selector.ts';
import type { BackoffRecord } from './backoff.ts';
import { DEFAULT_BACKOFF_MS, MAX_BACKOFF_MS } from './backoff.ts';
import { TRACKING_FINALIZER, hasTrackingFinalizer } from './pods.ts';
import { isJobFinished } from './conditions.ts';
import { JobSync } from './sync.ts';

export { JOBS } from './sync.ts';
const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
const BURST = 500;

export interface JobControllerConfig {
  client: Client;
  jobs: Informer;
  pods: Informer; // with a byNamespace index
  recorder: Recorder;
  now?: () => Date;
  /** First pod-failure backoff (upstream: 10 s); tests make it small. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const code = (err: unknown) => (err as any)?.status?.code;

export class JobController implements Reconciler {
  readonly name = 'job';
  readonly expectations = new Expectations();
  private readonly cfg: JobControllerConfig;
  private readonly now: () => Date;
  private readonly rmFinalizers = new Map<string, Set<string>>();
  private readonly backoff = new Map<string, BackoffRecord>();

  constructor(cfg: JobControllerConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? (() => new Date());
  }

  /** The job keys a pod event concerns: its controlling Job, or Jobs whose selector matches an orphan. */
  jobsOfPod(pod: any): string[] {
    const ref = controllerRef(pod);
    const ns = pod.metadata.namespace;
    if (ref) return ref.kind === 'Job' && String(ref.apiVersion).startsWith('batch/') ? [`${ns}/${ref.name}`] : [];
    if (pod.metadata.deletionTimestamp) return [];
    return this.cfg.jobs.list().filter((j) => j.metadata.namespace === ns && selectorMatcher(j.spec?.selector, 'Job')(pod.metadata.labels ?? {})).map(keyOf);
  }

  observePod(old: any | undefined, pod: any, deleted: boolean): void {
    for (const key of this.jobsOfPod(pod)) {
      if (!old && !deleted) this.expectations.creationObserved(key);
      // A pod counts as deleted once it has a deletionTimestamp (it may linger behind its finalizer).
      if ((deleted && !old?.metadata?.deletionTimestamp && !pod.metadata.deletionTimestamp) || (!deleted && pod.metadata.deletionTimestamp && old && !old.metadata.deletionTimestamp)) {
        this.expectations.deletionObserved(key);
      }
      if (deleted || !hasTrackingFinalizer(pod)) this.rmFinalizers.get(key)?.delete(pod.metadata.uid);
    }
  }

  async reconcile(key: string): Promise<Result> {
    const job = this.cfg.jobs.get(key);
    if (!job) {
      this.expectations.delete(key);
      this.rmFinalizers.delete(key);
      this.backoff.delete(key);
      await this.releaseOrphans(key);
      return;
    }
    if (isJobFinished(job)) {
      this.backoff.delete(key);
      return;
    }
    return new JobSync(this, key, structuredClone(job)).run();
  }

  /** Pods whose Job is gone keep no tracking finalizer, or they could never be deleted. */
  private async releaseOrphans(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    for (const pod of this.cfg.pods.byIndex('namespace', ns)) {
      const ref = controllerRef(pod);
      if (ref?.kind !== 'Job' || ref.name !== name || !hasTrackingFinalizer(pod)) continue;
      if (this.cfg.jobs.list().some((j) => j.metadata.uid === ref.uid)) continue;
      await this.removeFinalizer(pod).catch((err) => { if (code(err) !== 404) throw err; });
    }
  }

  removeFinalizer(pod: any): Promise<unknown> {
    return this.cfg.client.patch(PODS, pod.metadata.namespace, pod.metadata.name,
      { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [TRACKING_FINALIZER] } }, { type: 'strategic' });
  }

  // The sync below reaches these through the controller.
  get config(): JobControllerConfig { return this.cfg; }
  clock(): Date { return this.now(); }
  expectedRemovals(key: string): Set<string> {
    let s = this.rmFinalizers.get(key);
    if (!s) this.rmFinalizers.set(key, (s = new Set()));
    return s;
  }
  backoffOf(key: string): BackoffRecord { return this.backoff.get(key) ?? { failuresAfterLastSuccess: 0 }; }
  setBackoff(key: string, rec: BackoffRecord): void { this.backoff.set(key, rec); }
  podsResource() { return PODS; }
  burst() { return BURST; }
  backoffLimits(): [number, number] { return [this.cfg.backoffBaseMs ?? DEFAULT_BACKOFF_MS, this.cfg.backoffMaxMs ?? MAX_BACKOFF_MS]; }
}
