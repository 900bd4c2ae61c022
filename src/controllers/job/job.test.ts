import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { completionIndex, firstPendingIndexes, formatIndexes, parseIndexes } from './indexes.ts';
import { nextBackoffRecord, remainingBackoffMs } from './backoff.ts';
import { failJobMessage, isPodFailed, matchPodFailurePolicy } from './policy.ts';
import { deadlineRemainingMs, ensureCondition, isComplete, pastBackoffLimitOnFailure, wantActive } from './conditions.ts';
import { generateNameFor, podFromTemplate } from './pods.ts';

describe('completed indexes', () => {
  const fmt: [number[], string][] = [[[], ''], [[0], '0'], [[0, 1, 2, 4], '0-2,4'], [[4, 2, 1, 0, 2], '0-2,4'], [[1, 3, 5, 6, 7, 9], '1,3,5-7,9']];
  for (const [ix, want] of fmt) it(`formats ${JSON.stringify(ix)}`, () => assert.equal(formatIndexes(ix), want));
  const parse: [string, number, number[]][] = [['0-2,4', 10, [0, 1, 2, 4]], ['', 3, []], ['1,x,3-4', 4, [1, 3]], ['5-9', 7, [5, 6]]];
  for (const [s, c, want] of parse) it(`parses ${JSON.stringify(s)} below ${c}`, () => assert.deepEqual(parseIndexes(s, c), want));
  it('reads the index annotation strictly', () => {
    const pod = (v?: string) => ({ metadata: { annotations: v === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': v } } });
    assert.deepEqual(['3', '0', '03', '-1', 'x', undefined].map((v) => completionIndex(pod(v))), [3, 0, -1, -1, -1, -1]);
  });
  it('picks the lowest pending indexes', () => {
    assert.deepEqual(firstPendingIndexes(new Set([0, 2]), new Set([1]), 2, 6), [3, 4]);
    assert.deepEqual(firstPendingIndexes(new Set([0, 1]), new Set([2]), 5, 3), []);
  });
});

const finishedPod = (at: string) => ({ metadata: {}, status: { containerStatuses: [{ state: { terminated: { finishedAt: at } } }] } });

describe('pod failure backoff', () => {
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  const delays: [number, number][] = [[0, 0], [1, 10_000], [2, 20_000], [3, 40_000], [6, 320_000], [7, 360_000], [20, 360_000]];
  for (const [n, want] of delays) it(`${n} failures wait ${want} ms`, () => assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: n, lastFailureTime: t0 }, t0), want));
  it('counts time already passed, and the base is injectable', () => {
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 2, lastFailureTime: t0 }, t0 + 15_000), 5_000);
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 2, lastFailureTime: t0 }, t0 + 25_000), 0);
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 3, lastFailureTime: t0 }, t0, 100, 250), 250);
  });
  it('adds failures, and a success resets those before it', () => {
    const r1 = nextBackoffRecord({ failuresAfterLastSuccess: 1, lastFailureTime: t0 }, [], [finishedPod('2024-01-01T00:00:05Z'), finishedPod('2024-01-01T00:00:03Z')]);
    assert.deepEqual(r1, { failuresAfterLastSuccess: 3, lastFailureTime: t0 + 5000 });
    assert.deepEqual(nextBackoffRecord(r1, [finishedPod('2024-01-01T00:00:06Z')], []), { failuresAfterLastSuccess: 0 });
    assert.deepEqual(nextBackoffRecord(r1, [finishedPod('2024-01-01T00:00:04Z')], [finishedPod('2024-01-01T00:00:03Z'), finishedPod('2024-01-01T00:00:05Z')]),
      { failuresAfterLastSuccess: 1, lastFailureTime: t0 + 5000 });
    assert.equal(nextBackoffRecord(r1, [], []), r1);
  });
});

const failedPod = (exitCode: number, conditions: any[] = [], name = 'main') => ({
  metadata: { namespace: 'ns', name: 'p1' },
  status: { phase: 'Failed', conditions, containerStatuses: [{ name, state: { terminated: { exitCode } } }] },
});

describe('podFailurePolicy', () => {
  const policy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
      { action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue' }] },
    ],
  };
  const cases: [string, any, { count: boolean; action?: string; failMessage?: string }][] = [
    ['no policy counts', undefined, { count: true }],
    ['disruption is ignored', failedPod(42, [{ type: 'DisruptionTarget', status: 'True' }]), { count: false, action: 'Ignore' }],
    ['exit 42 fails the job', failedPod(42), { count: true, action: 'FailJob', failMessage: 'Container main for pod ns/p1 failed with exit code 42 matching FailJob rule at index 1' }],
    ['exit 42 in another container does not match the named rule', failedPod(42, [], 'side'), { count: true, action: 'Count' }],
    ['exit 1 matches no rule', failedPod(1), { count: true }],
    ['exit 3 is counted by NotIn', failedPod(3), { count: true, action: 'Count' }],
    ['a condition rule with defaulted status', failedPod(1, [{ type: 'ConfigIssue', status: 'True' }]), { count: true, action: 'FailJob', failMessage: 'Pod ns/p1 has condition ConfigIssue matching FailJob rule at index 3' }],
  ];
  for (const [name, pod, want] of cases) it(name, () => assert.deepEqual(pod ? matchPodFailurePolicy(policy, pod) : matchPodFailurePolicy(undefined, failedPod(1)), want));
  it('exit code 0 never matches', () => assert.deepEqual(matchPodFailurePolicy({ rules: [{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1] } }] }, failedPod(0)), { count: true }));
  it('finds the FailJob message among failed pods only', () => {
    const job = { spec: { podFailurePolicy: policy } };
    const running = { ...failedPod(42), status: { ...failedPod(42).status, phase: 'Running' } };
    assert.equal(failJobMessage(job, [running]), undefined);
    assert.match(failJobMessage(job, [running, failedPod(42)])!, /exit code 42 matching FailJob/);
  });
  it('counts deleted pods as failed unless only Failed pods are replaced', () => {
    const deleting = { metadata: { deletionTimestamp: 'x' }, status: { phase: 'Running' } };
    assert.equal(isPodFailed(deleting, { spec: {} }), true);
    assert.equal(isPodFailed(deleting, { spec: { podReplacementPolicy: 'Failed' } }), false);
    assert.equal(isPodFailed(deleting, { spec: { podFailurePolicy: { rules: [] } } }), false);
    assert.equal(isPodFailed({ metadata: { deletionTimestamp: 'x' }, status: { phase: 'Succeeded' } }, { spec: {} }), false);
  });
});

describe('job decisions', () => {
  const wants: [any, number, number, number][] = [
    [{ completions: 3, parallelism: 2 }, 0, 0, 2],
    [{ completions: 3, parallelism: 2 }, 2, 1, 1],
    [{ completions: 3, parallelism: 2 }, 4, 0, 0],
    [{ parallelism: 3 }, 0, 1, 3],
    [{ parallelism: 3 }, 1, 2, 2], // work queue: after a success, no new pods
  ];
  for (const [spec, s, a, want] of wants) it(`wantActive ${JSON.stringify(spec)} succeeded=${s} active=${a}`, () => assert.equal(wantActive({ spec }, s, a), want));
  const completes: [any, number, number, boolean][] = [
    [{ completions: 3 }, 3, 0, true], [{ completions: 3 }, 3, 1, false], [{ completions: 3 }, 2, 0, false], [{}, 1, 0, true], [{}, 1, 1, false], [{}, 0, 0, false],
  ];
  for (const [spec, s, a, want] of completes) it(`isComplete ${JSON.stringify(spec)} succeeded=${s} active=${a}`, () => assert.equal(isComplete({ spec }, s, a), want));

  it('deadline counts from startTime and not while suspended', () => {
    const now = new Date('2024-01-01T00:00:10Z');
    assert.equal(deadlineRemainingMs({ spec: { activeDeadlineSeconds: 15 }, status: { startTime: '2024-01-01T00:00:00Z' } }, now), 5000);
    assert.equal(deadlineRemainingMs({ spec: { activeDeadlineSeconds: 5 }, status: { startTime: '2024-01-01T00:00:00Z' } }, now), -5000);
    assert.equal(deadlineRemainingMs({ spec: { activeDeadlineSeconds: 5, suspend: true }, status: { startTime: '2024-01-01T00:00:00Z' } }, now), undefined);
    assert.equal(deadlineRemainingMs({ spec: {}, status: { startTime: '2024-01-01T00:00:00Z' } }, now), undefined);
  });

  it('OnFailure restarts count against backoffLimit', () => {
    const job = (limit: number) => ({ spec: { backoffLimit: limit, template: { spec: { restartPolicy: 'OnFailure' } } } });
    const pods = [{ status: { phase: 'Running', containerStatuses: [{ restartCount: 2 }] } }, { status: { phase: 'Failed', containerStatuses: [{ restartCount: 9 }] } }];
    assert.equal(pastBackoffLimitOnFailure(job(2), pods), true);
    assert.equal(pastBackoffLimitOnFailure(job(3), pods), false);
    assert.equal(pastBackoffLimitOnFailure(job(0), pods), true);
    assert.equal(pastBackoffLimitOnFailure({ spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never' } } } }, pods), false);
  });

  it('ensureCondition adds True, never adds False, and replaces on change', () => {
    const now = new Date('2024-01-01T00:00:00Z');
    const list: any[] = [];
    assert.equal(ensureCondition(list, 'Suspended', 'False', 'JobResumed', 'Job resumed', now), false);
    assert.equal(ensureCondition(list, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now), true);
    assert.equal(ensureCondition(list, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now), false);
    assert.equal(ensureCondition(list, 'Suspended', 'False', 'JobResumed', 'Job resumed', now), true);
    assert.deepEqual(list, [{ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed', lastProbeTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z' }]);
  });
});

describe('pods from the template', () => {
  const job = { metadata: { name: 'pi', uid: 'u1' }, spec: { template: { metadata: { labels: { 'job-name': 'pi' } }, spec: { containers: [{ name: 'c' }], initContainers: [{ name: 'i', env: [{ name: 'JOB_COMPLETION_INDEX', value: 'mine' }] }] } } } };
  it('NonIndexed: finalizer, owner, generateName', () => {
    const p = podFromTemplate(job, { uid: 'u1' }, -1);
    assert.equal(p.metadata.generateName, 'pi-');
    assert.deepEqual(p.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.deepEqual(p.metadata.ownerReferences, [{ uid: 'u1' }]);
    assert.equal(p.spec.hostname, undefined);
    assert.equal(p.spec.containers[0].env, undefined);
  });
  it('Indexed: annotation, label, hostname, env (kept when the user set it)', () => {
    const p = podFromTemplate(job, { uid: 'u1' }, 2);
    assert.equal(p.metadata.generateName, 'pi-2-');
    assert.equal(p.metadata.annotations['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(p.metadata.labels['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(p.spec.hostname, 'pi-2');
    assert.deepEqual(p.spec.containers[0].env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    assert.deepEqual(p.spec.initContainers[0].env, [{ name: 'JOB_COMPLETION_INDEX', value: 'mine' }]);
    assert.equal('env' in job.spec.template.spec.containers[0], false);
  });
  it('trims long names for generateName', () => {
    const long = 'a'.repeat(60);
    assert.equal(generateNameFor(long, 12), `${'a'.repeat(54)}-12-`);
    assert.equal(generateNameFor(long, -1).length, 58);
  });
});
