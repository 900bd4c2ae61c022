import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hooksFor } from '../../hooks.ts';

const podSpec = { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] };

test('Job defaults and the generated selector', () => {
  const job: any = { metadata: { name: 'pi', uid: 'u-1' }, spec: { template: { spec: structuredClone(podSpec) } } };
  hooksFor('batch', 'v1', 'Job').defaults!(job);
  const { template, ...rest } = job.spec;
  assert.deepEqual(rest, {
    completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
    podReplacementPolicy: 'TerminatingOrFailed', manualSelector: false,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
  });
  const labels = {
    'batch.kubernetes.io/controller-uid': 'u-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-1', 'job-name': 'pi',
  };
  assert.deepEqual(template.metadata.labels, labels);
  assert.deepEqual(job.metadata.labels, labels);
  assert.equal(template.spec.dnsPolicy, 'ClusterFirst');
});

test('Job defaults keep what is set', () => {
  const cases: { spec: any; want: Record<string, unknown> }[] = [
    { spec: { parallelism: 3 }, want: { parallelism: 3, completions: undefined } },
    { spec: { completions: 5 }, want: { parallelism: 1, completions: 5 } },
    { spec: { backoffLimitPerIndex: 1, completionMode: 'Indexed', completions: 2 }, want: { backoffLimit: 2147483647 } },
    { spec: { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } },
      want: { podReplacementPolicy: 'Failed' } },
    { spec: { manualSelector: true, selector: { matchLabels: { a: 'b' } } }, want: { selector: { matchLabels: { a: 'b' } } } },
  ];
  for (const c of cases) {
    const job: any = { metadata: { name: 'j', uid: 'u' }, spec: { ...structuredClone(c.spec), template: { spec: structuredClone(podSpec) } } };
    hooksFor('batch', 'v1', 'Job').defaults!(job);
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(job.spec[k], v, `${JSON.stringify(c.spec)} ${k}`);
  }
  const job: any = { metadata: { name: 'j', uid: 'u' }, spec: { podFailurePolicy: { rules: [{ onPodConditions: [{ type: 'X' }] }] } } };
  hooksFor('batch', 'v1', 'Job').defaults!(job);
  assert.equal(job.spec.podFailurePolicy.rules[0].onPodConditions[0].status, 'True');
});

test('CronJob defaults (the job template spec itself is not defaulted)', () => {
  const cj: any = { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: structuredClone(podSpec) } } } } };
  hooksFor('batch', 'v1', 'CronJob').defaults!(cj);
  assert.equal(cj.spec.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.schedulerName, 'default-scheduler');
});
