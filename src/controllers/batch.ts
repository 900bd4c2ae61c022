// Wires the batch controllers (Job, CronJob, TTL-after-finished) to shared
// informers. K8TS_JOB_BACKOFF_BASE_MS overrides the Job controller's first
// pod-failure backoff (upstream: 10 s), so that end-to-end tests of retries
// run in seconds.
import { RESOURCES } from '../api/resources.ts';
import type { Client } from '../client/rest.ts';
import { byNamespace, byOwnerUid } from '../client/informer.ts';
import { SharedInformers } from '../client/shared-informers.ts';
import { Controller, runGroup } from '../client/controller.ts';
import { createRecorder } from '../client/events.ts';
import { JobController } from './job/index.ts';
import type { Clock } from '../client/clock.ts';
import { CronJobController } from './cronjob/index.ts';
import { TTLAfterFinishedController } from './ttlafterfinished/index.ts';

const find = (group: string, resource: string) => RESOURCES.find((r) => r.group === group && r.resource === resource)!;

export interface BatchOptions {
  backoffBaseMs?: number;
  clock?: Clock;
  /** The process's shared informers (a private set when absent). */
  informers?: SharedInformers;
}

function envBackoff(): number | undefined {
  const v = process.env.K8TS_JOB_BACKOFF_BASE_MS;
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function createBatchControllers(client: Client, log: (m: string, f?: Record<string, unknown>) => void, opts: BatchOptions = {}) {
  const clock = opts.clock;
  const shared = opts.informers ?? new SharedInformers(client, log);
  const now = clock ? () => clock.now() : undefined;
  const indexers = { namespace: byNamespace, owner: byOwnerUid };
  const pods = shared.informer(find('', 'pods'), { indexers });
  const jobs = shared.informer(find('batch', 'jobs'), { indexers });
  const cronJobs = shared.informer(find('batch', 'cronjobs'), { indexers });
  const informers = [pods, jobs, cronJobs];

  const jobReconciler = new JobController({ client, jobs, pods, recorder: createRecorder(client, 'job-controller', { log }), now, backoffBaseMs: opts.backoffBaseMs ?? envBackoff() });
  const cjReconciler = new CronJobController({ client, cronJobs, jobs, recorder: createRecorder(client, 'cronjob-controller', { log }), now });
  const ttlReconciler = new TTLAfterFinishedController({ client, jobs, now, log });

  const jobController = new Controller(jobReconciler, { workers: 4, log }).watch(jobs);
  const cjController = new Controller(cjReconciler, { workers: 2, log }).watch(cronJobs);
  const ttlController = new Controller(ttlReconciler, { workers: 2, log }).watch(jobs);
  if (clock) { jobController.resyncOnJump(clock, jobs); cjController.resyncOnJump(clock, cronJobs); ttlController.resyncOnJump(clock, jobs); }
  pods.on({
    add: (p) => { jobReconciler.observePod(undefined, p, false); for (const k of jobReconciler.jobsOfPod(p)) jobController.queue.add(k); },
    update: (o, p) => { jobReconciler.observePod(o, p, false); for (const k of new Set([...jobReconciler.jobsOfPod(o), ...jobReconciler.jobsOfPod(p)])) jobController.queue.add(k); },
    delete: (p) => { jobReconciler.observePod(undefined, p, true); for (const k of jobReconciler.jobsOfPod(p)) jobController.queue.add(k); },
  });
  const toCronJob = (j: any) => { for (const k of cjReconciler.cronJobOfJob(j)) cjController.queue.add(k); };
  jobs.on({ add: toCronJob, update: (_o, j) => toCronJob(j), delete: toCronJob });

  const controllers = [jobController, cjController, ttlController];
  return {
    names: ['job', 'cronjob', 'ttl-after-finished'],
    ...runGroup(informers, controllers),
  };
}
