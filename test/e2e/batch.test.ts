// Jobs, CronJobs and TTL-after-finished on hollow nodes, driven by the real
// kubectl. The job controller's pod-failure backoff is shortened through
// K8TS_JOB_BACKOFF_BASE_MS (inherited by the server's controller manager).
// The CronJob is created first and checked last, so its first run (at the
// next minute boundary) overlaps the other tests instead of adding a minute.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, K8TS, killGroup } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';

function jobYaml(name: string, spec: string, ann: Record<string, string> = {}): string {
  const annotations = Object.entries(ann).map(([k, v]) => `\n        ${k}: "${v}"`).join('');
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${spec}
  template:
    metadata:
      annotations:${annotations || ' {}'}
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: registry.local/busybox:1
`;
}

describe('batch controllers', { timeout: 115_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess;
  let cronCreatedAt = 0;
  const job = async (name: string) => JSON.parse(await c.k(['get', 'job', name, '-o', 'json']));
  const cond = (j: any, type: string) => (j.status?.conditions ?? []).find((x: any) => x.type === type && x.status === 'True');

  before(async () => {
    process.env.K8TS_JOB_BACKOFF_BASE_MS = '200';
    c = await startCluster();
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '3'], { stdio: 'ignore', detached: true, env: { ...process.env, K8TS_LOG: 'quiet' } });
    await until('3 Ready hollow nodes', 30_000, async () => (await c.k(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => /\sReady\s/.test(l)).length === 3);
    await c.k(['apply', '-f', '-'], { input: `apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            hollow.k8ts.io/run-seconds: "1"
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: registry.local/busybox:1
` });
    cronCreatedAt = Date.now();
  });
  after(async () => {
    if (hollow) killGroup(hollow);
    await destroyCluster(c);
  });

  it('runs a Job with completions 3 and parallelism 2 to Complete', async () => {
    await c.k(['apply', '-f', '-'], { input: jobYaml('pi', '  completions: 3\n  parallelism: 2', { 'hollow.k8ts.io/run-seconds': '1' }) });
    const early = await job('pi');
    assert.ok((early.status?.active ?? 0) <= 2);
    await c.k(['wait', '--for=condition=complete', 'job/pi', '--timeout=40s']);
    const j = await job('pi');
    assert.equal(j.status.succeeded, 3);
    assert.equal(j.status.active, undefined);
    assert.deepEqual(j.status.uncountedTerminatedPods, {});
    assert.equal(cond(j, 'SuccessCriteriaMet').reason, 'CompletionsReached');
    assert.equal(cond(j, 'Complete').message, 'Reached expected number of succeeded pods');
    assert.ok(j.status.completionTime && j.status.startTime);
    const pods = JSON.parse(await c.k(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=pi', '-o', 'json'])).items;
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], j.metadata.uid);
      assert.equal(p.metadata.labels['job-name'], 'pi');
      assert.ok(!(p.metadata.finalizers ?? []).includes('batch.kubernetes.io/job-tracking')); // gone once counted
      assert.equal(p.status.phase, 'Succeeded');
    }
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=pi', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    assert.match(events, /SuccessfulCreate/);
    assert.match(events, /Completed/);
  });

  it('runs an Indexed Job: index annotation, label, hostname and completedIndexes', async () => {
    await c.k(['apply', '-f', '-'], { input: jobYaml('idx', '  completions: 4\n  parallelism: 4\n  completionMode: Indexed', { 'hollow.k8ts.io/run-seconds': '1' }) });
    await c.k(['wait', '--for=condition=complete', 'job/idx', '--timeout=40s']);
    const j = await job('idx');
    assert.equal(j.status.completedIndexes, '0-3');
    assert.equal(j.status.succeeded, 4);
    const pods = JSON.parse(await c.k(['get', 'pods', '-l', 'job-name=idx', '-o', 'json'])).items;
    const idx = pods.map((p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort();
    assert.deepEqual(idx, ['0', '1', '2', '3']);
    for (const p of pods) {
      const i = p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
      assert.equal(p.metadata.labels['batch.kubernetes.io/job-completion-index'], i);
      assert.equal(p.spec.hostname, `idx-${i}`);
      assert.ok(p.metadata.name.startsWith(`idx-${i}-`));
      assert.equal(p.spec.containers[0].env.find((e: any) => e.name === 'JOB_COMPLETION_INDEX').valueFrom.fieldRef.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
    }
  });

  it('fails a Job after backoffLimit with BackoffLimitExceeded', async () => {
    await c.k(['apply', '-f', '-'], { input: jobYaml('boom', '  backoffLimit: 1', { 'hollow.k8ts.io/exit-code': '1' }) });
    await c.k(['wait', '--for=condition=failed', 'job/boom', '--timeout=40s']);
    const j = await job('boom');
    assert.equal(j.status.failed, 2);
    assert.equal(cond(j, 'FailureTarget').reason, 'BackoffLimitExceeded');
    assert.equal(cond(j, 'Failed').reason, 'BackoffLimitExceeded');
    assert.equal(cond(j, 'Failed').message, 'Job has reached the specified backoff limit');
    assert.equal(j.status.completionTime, undefined);
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=boom,reason=BackoffLimitExceeded', '-o', 'name']);
    assert.notEqual(events.trim(), '');
  });

  it('fails a Job at once through a podFailurePolicy FailJob rule', async () => {
    const spec = `  backoffLimit: 6
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes:
        containerName: main
        operator: In
        values: [42]`;
    await c.k(['apply', '-f', '-'], { input: jobYaml('pfp', spec, { 'hollow.k8ts.io/exit-code': '42' }) });
    await c.k(['wait', '--for=condition=failed', 'job/pfp', '--timeout=40s']);
    const j = await job('pfp');
    const failed = cond(j, 'Failed');
    assert.equal(failed.reason, 'PodFailurePolicy');
    assert.match(failed.message, /^Container main for pod default\/pfp-\w+ failed with exit code 42 matching FailJob rule at index 0$/);
    assert.equal(j.status.failed, 1);
  });

  it('fails a Job past activeDeadlineSeconds with DeadlineExceeded, counting its stopped pods', async () => {
    await c.k(['apply', '-f', '-'], { input: jobYaml('slow', '  activeDeadlineSeconds: 2', { 'hollow.k8ts.io/run-seconds': '600' }) });
    await c.k(['wait', '--for=condition=failed', 'job/slow', '--timeout=30s']);
    const j = await job('slow');
    assert.equal(cond(j, 'Failed').reason, 'DeadlineExceeded');
    assert.equal(cond(j, 'Failed').message, 'Job was active longer than specified deadline');
    assert.equal(j.status.failed, 1);
    assert.equal(j.status.active, undefined);
  });

  it('suspends (deleting active pods) and resumes a Job', async () => {
    await c.k(['apply', '-f', '-'], { input: jobYaml('nap', '  parallelism: 2\n  completions: 2', { 'hollow.k8ts.io/run-seconds': '600' }) });
    await until('2 running pods', 20_000, async () => (await job('nap')).status?.ready === 2);
    await c.k(['patch', 'job', 'nap', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    await c.k(['wait', '--for=condition=suspended', 'job/nap', '--timeout=20s']);
    await until('no pods of a suspended job', 20_000, async () => (await c.k(['get', 'pods', '-l', 'job-name=nap', '-o', 'name'])).trim() === '');
    let j = await job('nap');
    assert.equal(cond(j, 'Suspended').reason, 'JobSuspended');
    assert.equal(j.status.failed, undefined); // suspended pods are not failures
    await c.k(['patch', 'job', 'nap', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await until('pods again after resume', 20_000, async () => (await job('nap')).status?.active === 2);
    j = await job('nap');
    const s = j.status.conditions.find((x: any) => x.type === 'Suspended');
    assert.equal(s.status, 'False');
    assert.equal(s.reason, 'JobResumed');
    await c.k(['delete', 'job', 'nap', '--wait=false']);
  });

  it('deletes a finished Job after ttlSecondsAfterFinished', async () => {
    await c.k(['apply', '-f', '-'], { input: jobYaml('short', '  ttlSecondsAfterFinished: 2', { 'hollow.k8ts.io/run-seconds': '1' }) });
    await c.k(['wait', '--for=condition=complete', 'job/short', '--timeout=30s']);
    await until('the job to be deleted', 20_000, async () => (await c.kubectl(['get', 'job', 'short'])).code !== 0);
    await until('its pods to be deleted', 20_000, async () => (await c.k(['get', 'pods', '-l', 'job-name=short', '-o', 'name'])).trim() === '');
  });

  it('creates a Job from a CronJob at its next scheduled minute', async () => {
    const wait = Math.max(0, 70_000 - (Date.now() - cronCreatedAt));
    const name = await until('a job of the cronjob', wait, async () => {
      const jobs = JSON.parse(await c.k(['get', 'jobs', '-o', 'json'])).items.filter((j: any) => j.metadata.ownerReferences?.[0]?.name === 'tick');
      return jobs[0]?.metadata?.name as string | undefined;
    });
    const j = await job(name);
    const ts = j.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'];
    assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
    assert.equal(name, `tick-${Date.parse(ts) / 60_000}`);
    assert.equal(j.metadata.ownerReferences[0].kind, 'CronJob');
    const cj = JSON.parse(await c.k(['get', 'cronjob', 'tick', '-o', 'json']));
    assert.equal(Date.parse(cj.status.lastScheduleTime), Date.parse(ts));
    await c.k(['create', 'job', 'tick-manual', '--from=cronjob/tick']);
    await c.k(['wait', '--for=condition=complete', 'job/tick-manual', '--timeout=30s']);
    assert.equal((await job('tick-manual')).metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
  });
});
