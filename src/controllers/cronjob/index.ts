// The CronJob controller (upstream's v2): keeps status.active in step with
// the Jobs it owns, creates the Job for the most recent unmet scheduled time
// (named after that time, so a run is never created twice), honours
// suspend, startingDeadlineSeconds and the concurrency policy, trims
// finished Jobs to the history limits, and requeues itself for the next
// scheduled time. The clock is injectable.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import type { Recorder } from '../../client/events.ts';
import { controllerRef, newControllerRef } from '../util/pods.ts';
import { isDeepStrictEqual } from 'node:util';
import { CronSyntaxError, Zone, checkTimeZone, parseSchedule } from './cron.ts';
import type { Schedule } from './cron.ts';
import { jobNameFor, mostRecentScheduleTime, nextScheduleDelayMs } from './schedule.ts';

export const CRONJOBS = RESOURCES.find((r) => r.group === 'batch' && r.resource === 'cronjobs')!;
const JOBS = RESOURCES.find((r) => r.group === 'batch' && r.resource === 'jobs')!;
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobControllerConfig {
  client: Client;
  cronJobs: Informer;
  jobs: Informer; // with a byNamespace index
  recorder: Recorder;
  now?: () => Date;
}

const code = (err: unknown) => (err as any)?.status?.code;
const stamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');

function finishedType(job: any): string | undefined {
  return (job.status?.conditions ?? []).find((c: any) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;
}

function jobRef(job: any): any {
  return { kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion };
}

export class CronJobController implements Reconciler {
  readonly name = 'cronjob';
  private readonly cfg: CronJobControllerConfig;
  private readonly now: () => Date;

  constructor(cfg: CronJobControllerConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? (() => new Date());
  }

  cronJobOfJob(job: any): string[] {
    const ref = controllerRef(job);
    return ref?.kind === 'CronJob' ? [`${job.metadata.namespace}/${ref.name}`] : [];
  }

  async reconcile(key: string): Promise<Result> {
    const cached = this.cfg.cronJobs.get(key);
    if (!cached) return;
    const cj = structuredClone(cached);
    const before = structuredClone(cj.status ?? {});
    const owned = this.cfg.jobs.byIndex('namespace', cj.metadata.namespace).filter((j) => controllerRef(j)?.uid === cj.metadata.uid);
    let requeue: number | null = null;
    try {
      await this.syncActive(cj, owned);
      requeue = await this.syncSchedule(cj);
    } finally {
      if (!isDeepStrictEqual(cj.status ?? {}, before)) {
        await this.cfg.client.update(CRONJOBS, cj.metadata.namespace, cj, { subresource: 'status' }).catch((err) => { if (code(err) !== 404) throw err; });
      }
    }
    await this.cleanupFinished(cj, owned);
    return requeue === null ? undefined : { requeueAfterMs: Math.max(0, requeue) };
  }

  /** Brings status.active and lastSuccessfulTime in line with the Jobs that exist. */
  private async syncActive(cj: any, owned: any[]): Promise<void> {
    const status = (cj.status ??= {});
    const active: any[] = status.active ?? [];
    const activeUids = new Set(active.map((r) => r.uid));
    for (const j of owned) {
      const done = finishedType(j);
      const listed = activeUids.has(j.metadata.uid);
      if (!done && !listed) {
        this.cfg.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
        active.push(jobRef(j));
      } else if (done && listed) {
        this.cfg.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, status: ${done}`);
        active.splice(active.findIndex((r) => r.uid === j.metadata.uid), 1);
      }
      if (done === 'Complete' && j.status?.completionTime && (!status.lastSuccessfulTime || Date.parse(j.status.completionTime) > Date.parse(status.lastSuccessfulTime))) {
        status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    // A listed Job the cache does not have may just be new: ask the server before dropping it.
    const ownedUids = new Set(owned.map((j) => j.metadata.uid));
    for (const ref of [...active]) {
      if (ownedUids.has(ref.uid)) continue;
      try {
        const j = await this.cfg.client.get(JOBS, cj.metadata.namespace, ref.name);
        if (j.metadata.uid === ref.uid) continue;
      } catch (err) {
        if (code(err) !== 404) throw err;
      }
      this.cfg.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      active.splice(active.findIndex((r) => r.uid === ref.uid), 1);
    }
    if (active.length) status.active = active;
    else delete status.active;
  }

  /** Creates the Job that is due, if any; returns ms until the next look, or null for "not until the spec changes". */
  private async syncSchedule(cj: any): Promise<number | null> {
    if (cj.metadata.deletionTimestamp) return null;
    const spec = cj.spec ?? {};
    const { recorder } = this.cfg;
    if (spec.timeZone) {
      try {
        checkTimeZone(spec.timeZone);
      } catch (err) {
        recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${spec.timeZone}": ${(err as Error).message}`);
        return null;
      }
    }
    let sched: Schedule;
    try {
      sched = parseSchedule(String(spec.schedule ?? ''), spec.timeZone);
    } catch (err) {
      if (!(err instanceof CronSyntaxError)) throw err;
      recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${spec.schedule}" : ${err.message}`);
      return null;
    }
    if (spec.suspend) return null;
    const now = this.now();
    const input = {
      creationTimestamp: new Date(cj.metadata.creationTimestamp),
      lastScheduleTime: cj.status?.lastScheduleTime ? new Date(cj.status.lastScheduleTime) : undefined,
      startingDeadlineSeconds: spec.startingDeadlineSeconds ?? undefined,
    };
    const later = () => nextScheduleDelayMs(input, now, sched);
    let scheduled: Date | null;
    try {
      const r = mostRecentScheduleTime(input, now, sched, true);
      scheduled = r.mostRecent;
      if (scheduled && r.missed === 'many') {
        recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
      }
    } catch (err) {
      recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${spec.schedule} : ${(err as Error).message}`);
      return null;
    }
    if (!scheduled) return later();
    if (spec.startingDeadlineSeconds != null && scheduled.getTime() + spec.startingDeadlineSeconds * 1000 < now.getTime()) {
      recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return later();
    }
    const name = jobNameFor(cj.metadata.name, scheduled);
    const active: any[] = cj.status?.active ?? [];
    if (active.some((r) => r.name === name) || (cj.status?.lastScheduleTime && Date.parse(cj.status.lastScheduleTime) === scheduled.getTime())) return later();
    if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return later();
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...active]) {
        await this.deleteJob(cj, ref.name);
        active.splice(active.findIndex((r) => r.uid === ref.uid), 1);
      }
      if (!active.length) delete cj.status.active;
    }
    let job: any;
    try {
      job = await this.cfg.client.create(JOBS, cj.metadata.namespace, this.jobFor(cj, scheduled, name));
      recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata.name}`);
    } catch (err) {
      if (code(err) !== 409) {
        recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as any)?.status?.message ?? err}`);
        throw err;
      }
      // Created by an earlier sync whose status write was lost, or by someone else.
      job = await this.cfg.client.get(JOBS, cj.metadata.namespace, name);
      if (controllerRef(job)?.uid !== cj.metadata.uid || (cj.status?.active ?? []).some((r: any) => r.uid === job.metadata.uid)) return later();
    }
    cj.status ??= {};
    cj.status.active = [...(cj.status.active ?? []), jobRef(job)];
    cj.status.lastScheduleTime = stamp(scheduled);
    return nextScheduleDelayMs({ ...input, lastScheduleTime: scheduled }, now, sched);
  }

  private jobFor(cj: any, scheduled: Date, name: string): any {
    const tmpl = cj.spec.jobTemplate ?? {};
    const zone = new Zone(cj.spec.timeZone ?? 'UTC');
    return {
      metadata: {
        name, namespace: cj.metadata.namespace,
        labels: { ...(tmpl.metadata?.labels ?? {}) },
        annotations: { ...(tmpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: zone.format(scheduled.getTime()) },
        ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
      },
      spec: structuredClone(tmpl.spec ?? {}),
    };
  }

  private async deleteJob(cj: any, name: string): Promise<void> {
    try {
      await this.cfg.client.delete(JOBS, cj.metadata.namespace, name, { propagationPolicy: 'Background' });
      this.cfg.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    } catch (err) {
      if (code(err) === 404) return;
      this.cfg.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as any)?.status?.message ?? err}`);
      throw err;
    }
  }

  /** Keeps only the newest successfulJobsHistoryLimit / failedJobsHistoryLimit finished Jobs. */
  private async cleanupFinished(cj: any, owned: any[]): Promise<void> {
    if (cj.metadata.deletionTimestamp) return;
    const byStart = (a: any, b: any) => (a.status?.startTime ? Date.parse(a.status.startTime) : Infinity) - (b.status?.startTime ? Date.parse(b.status.startTime) : Infinity);
    for (const [type, limit] of [['Complete', cj.spec?.successfulJobsHistoryLimit], ['Failed', cj.spec?.failedJobsHistoryLimit]] as const) {
      if (limit == null) continue;
      const done = owned.filter((j) => finishedType(j) === type && !j.metadata.deletionTimestamp).sort(byStart);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) await this.deleteJob(cj, j.metadata.name);
    }
  }
}

/** Go's time.RFC1123Z in UTC ("Mon, 02 Jan 2006 15:04:05 +0000"). */
export function rfc1123z(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}
