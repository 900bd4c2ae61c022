// Jobs, CronJobs and TTL-after-finished on hollow nodes, driven by the real
// kubectl. The job controller's pod-failure backoff is shortened through
// K8TS_JOB_BACKOFF_BASE_MS (inherited by the server's controller manager).
// CronJob schedules are reached by moving the controller manager's clock
// (startCluster({ clock: true })), so no test waits for a real minute; the
// Job tests run first, before the clock moves.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, K8TS, killGroup } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { adminClient } from '../support/http.ts';
import { sleep, until } from '../support/wait.ts';

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

describe('batch controllers', { timeout: 150_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess;
  const job = async (name: string) => JSON.parse(await c.k(['get', 'job', name, '-o', 'json']));
  const cond = (j: any, type: string) => (j.status?.conditions ?? []).find((x: any) => x.type === type && x.status === 'True');

  before(async () => {
    process.env.K8TS_JOB_BACKOFF_BASE_MS = '200';
    c = await startCluster({ clock: true });
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '3'], { stdio: 'ignore', detached: true, env: { ...process.env, K8TS_LOG: 'quiet' } });
    await until('3 Ready hollow nodes', 30_000, async () => (await c.k(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => /\sReady\s/.test(l)).length === 3);
  });
  after(async () => {
    if (hollow) killGroup(hollow);
    await destroyCluster(c);
  });

  it('completes 5 of 5 at parallelism 2 while one index fails twice, never over 2 active pods', async () => {
    // Every pod of index 2 fails until two of them have (hollow.k8ts.io/failing-index counts the Failed pods of that index).
    const phases = new Map<string, string>();
    let maxActive = 0;
    const stop = await adminClient(c.kubeconfig).watch('/api/v1/namespaces/default/pods?watch=1&labelSelector=batch.kubernetes.io%2Fjob-name%3Dflaky', (ev) => {
      const p = ev.object;
      if (ev.type === 'DELETED' || p.metadata.deletionTimestamp) phases.set(p.metadata.name, 'Gone');
      else phases.set(p.metadata.name, p.status?.phase ?? 'Pending');
      maxActive = Math.max(maxActive, [...phases.values()].filter((ph) => ph === 'Pending' || ph === 'Running').length);
    });
    try {
      await c.k(['apply', '-f', '-'], { input: jobYaml('flaky', '  completions: 5\n  parallelism: 2\n  completionMode: Indexed',
        { 'hollow.k8ts.io/run-seconds': '1', 'hollow.k8ts.io/failing-index': '2:2' }) });
      await c.k(['wait', '--for=condition=complete', 'job/flaky', '--timeout=60s']);
    } finally {
      stop();
    }
    const j = await job('flaky');
    assert.equal(j.status.succeeded, 5);
    assert.equal(j.status.failed, 2);
    assert.equal(j.status.completedIndexes, '0-4');
    assert.equal(j.status.active, undefined);
    assert.deepEqual(j.status.conditions.map((x: any) => `${x.type}=${x.status}`), ['SuccessCriteriaMet=True', 'Complete=True']);
    assert.equal(cond(j, 'SuccessCriteriaMet').reason, 'CompletionsReached');
    assert.equal(cond(j, 'Complete').reason, 'CompletionsReached');
    assert.equal(cond(j, 'Complete').message, 'Reached expected number of succeeded pods');
    assert.ok(j.status.completionTime && j.status.startTime);
    assert.equal(maxActive, 2, 'parallelism 2 is used and never exceeded');

    const pods = JSON.parse(await c.k(['get', 'pods', '-l', 'job-name=flaky', '-o', 'json'])).items;
    const byIndex = new Map<string, string[]>();
    for (const p of pods) {
      const i = p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
      byIndex.set(i, [...(byIndex.get(i) ?? []), p.status.phase].sort());
      assert.ok(!(p.metadata.finalizers ?? []).includes('batch.kubernetes.io/job-tracking'));
      assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], j.metadata.uid);
    }
    assert.deepEqual(Object.fromEntries([...byIndex].sort()), {
      0: ['Succeeded'], 1: ['Succeeded'], 2: ['Failed', 'Failed', 'Succeeded'], 3: ['Succeeded'], 4: ['Succeeded'],
    });
    const failed = pods.filter((p: any) => p.status.phase === 'Failed');
    for (const p of failed) assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 1);
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=flaky', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
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

  describe('CronJobs on the injected clock', () => {
    // The controller manager's clock is real time plus an offset; jumpTo moves it to a given instant.
    let offsetMs = 0;
    const jumpTo = (ms: number) => {
      offsetMs = ms - Date.now();
      c.setClockOffset(offsetMs / 1000);
    };
    const jobsOf = async (cj: string) => JSON.parse(await c.k(['get', 'jobs', '-o', 'json'])).items
      .filter((j: any) => j.metadata.ownerReferences?.[0]?.name === cj && !j.metadata.deletionTimestamp).map((j: any) => j.metadata.name).sort();
    const haveJobs = (cj: string, names: string[]) => until(`jobs ${names.join(', ')} of ${cj}`, 20_000, async () => {
      const got = await jobsOf(cj);
      return names.every((n) => got.includes(n)) ? got : false;
    });
    const cronEvents = async (cj: string) => c.k(['get', 'events', '--field-selector', `involvedObject.kind=CronJob,involvedObject.name=${cj}`,
      '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    const cronJob = (name: string, extra: string, runSeconds: number) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}
spec:
  schedule: "*/1 * * * *"
${extra}  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            hollow.k8ts.io/run-seconds: "${runSeconds}"
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: registry.local/busybox:1
`;
    let m1 = 0;
    const minute = (n: number) => Math.floor((m1 + (n - 1) * 60_000) / 60_000);

    before(async () => {
      await c.k(['apply', '-f', '-'], { input: [
        cronJob('tick', '', 1),
        cronJob('solo', '  concurrencyPolicy: Forbid\n', 25),
        cronJob('swap', '  concurrencyPolicy: Replace\n', 600),
        cronJob('late', '  startingDeadlineSeconds: 5\n', 1),
      ].join('---\n') });
      // The first minute boundary after the CronJobs exist (their creationTimestamp is real time).
      m1 = Math.ceil((Date.now() + 1000) / 60_000) * 60_000;
    });

    it('runs */1 * * * * once per scheduled minute, named and annotated as upstream', async () => {
      jumpTo(m1 + 1000);
      await haveJobs('tick', [`tick-${minute(1)}`]);
      const j = await job(`tick-${minute(1)}`);
      assert.equal(j.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(m1).toISOString().replace('.000Z', 'Z'));
      assert.equal(j.metadata.ownerReferences[0].kind, 'CronJob');
      assert.equal(j.metadata.ownerReferences[0].controller, true);
      const cj = JSON.parse(await c.k(['get', 'cronjob', 'tick', '-o', 'json']));
      assert.equal(Date.parse(cj.status.lastScheduleTime), m1);
      await sleep(1000);
      assert.deepEqual(await jobsOf('tick'), [`tick-${minute(1)}`], 'one run per scheduled time');

      jumpTo(m1 + 61_000);
      await haveJobs('tick', [`tick-${minute(1)}`, `tick-${minute(2)}`]);
      await until('lastScheduleTime at the second minute', 10_000, async () =>
        Date.parse(JSON.parse(await c.k(['get', 'cronjob', 'tick', '-o', 'json'])).status.lastScheduleTime) === m1 + 60_000);
      assert.match(await cronEvents('tick'), new RegExp(`SuccessfulCreate: Created job tick-${minute(2)}`));
    });

    it('Forbid skips a run while one is active, Replace replaces it, startingDeadlineSeconds drops a late start', async () => {
      // At m1 each CronJob started a run; solo's lasts 25 s (real time) and swap's 600 s.
      await haveJobs('solo', [`solo-${minute(1)}`]);
      await haveJobs('late', [`late-${minute(1)}`, `late-${minute(2)}`]);
      await until('solo\'s first run to be active', 10_000, async () => (await job(`solo-${minute(1)}`)).status?.active === 1);
      await haveJobs('swap', [`swap-${minute(2)}`]);
      assert.deepEqual(await jobsOf('swap'), [`swap-${minute(2)}`], 'Replace deleted the run of minute 1');
      assert.match(await cronEvents('swap'), new RegExp(`SuccessfulDelete: Deleted job swap-${minute(1)}`));
      await until('the Forbid skip event', 10_000, async () =>
        /JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid/.test(await cronEvents('solo')));
      assert.deepEqual(await jobsOf('solo'), [`solo-${minute(1)}`]);

      // 10 s past minute 3: late's deadline (5 s) is gone, the others still start.
      jumpTo(m1 + 120_000 + 10_000);
      await haveJobs('tick', [`tick-${minute(3)}`]);
      await haveJobs('swap', [`swap-${minute(3)}`]);
      await sleep(1000);
      assert.ok(!(await jobsOf('late')).includes(`late-${minute(3)}`), 'a start past startingDeadlineSeconds is skipped');
      assert.equal((await job(`solo-${minute(1)}`)).status?.active, 1, 'the first run of solo is still going');
      assert.deepEqual(await jobsOf('solo'), [`solo-${minute(1)}`], 'still active: still skipped');

      // Once solo's run ends, only the most recent scheduled time runs (minute 3, or 4 if the clock has
      // run on that far); the skipped minute 2 never does.
      await c.k(['wait', '--for=condition=complete', `job/solo-${minute(1)}`, '--timeout=30s']);
      const next = await until('solo to run again', 20_000, async () => (await jobsOf('solo')).find((n: string) => n !== `solo-${minute(1)}`));
      assert.ok([`solo-${minute(3)}`, `solo-${minute(4)}`].includes(next), next);
      await sleep(500);
      assert.ok(!(await jobsOf('solo')).includes(`solo-${minute(2)}`));
      const swap = JSON.parse(await c.k(['get', 'cronjob', 'swap', '-o', 'json']));
      assert.equal(swap.status.active.length, 1, 'Replace keeps one run active');
    });

    it('creates a Job from a CronJob by hand', async () => {
      await c.k(['create', 'job', 'tick-manual', '--from=cronjob/tick']);
      await c.k(['wait', '--for=condition=complete', 'job/tick-manual', '--timeout=30s']);
      assert.equal((await job('tick-manual')).metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    });
  });
});
