// The TTL-after-finished controller: deletes a finished Job (Complete or
// Failed) ttlSecondsAfterFinished after it finished, in the foreground as
// upstream does, re-reading the Job from the server before it deletes so
// that a TTL changed meanwhile is honoured.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';

const JOBS = RESOURCES.find((r) => r.group === 'batch' && r.resource === 'jobs')!;
const code = (err: unknown) => (err as any)?.status?.code;

/** When the job finished (its Complete/Failed condition's transition), or undefined if it has not or has no TTL. */
export function expireAt(job: any): number | undefined {
  const ttl = job?.spec?.ttlSecondsAfterFinished;
  if (ttl == null) return undefined;
  const c = (job.status?.conditions ?? []).find((x: any) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const at = Date.parse(c.lastTransitionTime ?? '');
  if (!Number.isFinite(at)) throw new Error(`unable to find the time when the Job ${job.metadata.namespace}/${job.metadata.name} finished`);
  return at + ttl * 1000;
}

export interface TTLControllerConfig {
  client: Client;
  jobs: Informer;
  now?: () => Date;
  log?: (m: string, f?: Record<string, unknown>) => void;
}

export class TTLAfterFinishedController implements Reconciler {
  readonly name = 'ttl-after-finished';
  private readonly cfg: TTLControllerConfig;
  private readonly now: () => Date;

  constructor(cfg: TTLControllerConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? (() => new Date());
  }

  /** ms until the job expires (<= 0: now), or undefined when it needs no cleanup. */
  private timeLeft(job: any): number | undefined {
    if (!job || job.metadata.deletionTimestamp) return undefined;
    const at = expireAt(job);
    return at === undefined ? undefined : at - this.now().getTime();
  }

  async reconcile(key: string): Promise<Result> {
    const cached = this.cfg.jobs.get(key);
    const left = this.timeLeft(cached);
    if (left === undefined) return;
    if (left > 0) return { requeueAfterMs: left };
    let fresh: any;
    try {
      fresh = await this.cfg.client.get(JOBS, cached.metadata.namespace, cached.metadata.name);
    } catch (err) {
      if (code(err) === 404) return;
      throw err;
    }
    const freshLeft = this.timeLeft(fresh);
    if (freshLeft === undefined) return;
    if (freshLeft > 0) return { requeueAfterMs: freshLeft };
    this.cfg.log?.('cleaning up finished job', { kind: 'Job', job: key });
    await this.cfg.client.delete(JOBS, fresh.metadata.namespace, fresh.metadata.name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid } })
      .catch((err) => { if (code(err) !== 404 && code(err) !== 409) throw err; });
  }
}
