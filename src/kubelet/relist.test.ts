import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statusOnly } from './index.ts';
import { runtimePrint } from './runtime-view.ts';

describe('what wakes a pod worker', () => {
  const pod = { metadata: { name: 'p', uid: 'u', resourceVersion: '5', labels: { a: '1' } }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending' } };
  const cases: [string, any, boolean][] = [
    ['its own status report (new status, new resourceVersion)', { ...pod, metadata: { ...pod.metadata, resourceVersion: '6' }, status: { phase: 'Running' } }, true],
    ['a label change', { ...pod, metadata: { ...pod.metadata, resourceVersion: '6', labels: { a: '2' } } }, false],
    ['a deletion', { ...pod, metadata: { ...pod.metadata, resourceVersion: '6', deletionTimestamp: '2026-01-01T00:00:00Z' } }, false],
    ['a spec change', { ...pod, metadata: { ...pod.metadata, resourceVersion: '6' }, spec: { containers: [{ name: 'c', image: 'x' }] } }, false],
  ];
  for (const [name, next, only] of cases) it(`${name}: ${only ? 'no sync' : 'a sync'}`, () => assert.equal(statusOnly(pod, next), only));

  it('the runtime print does not depend on the order the runtime lists in', () => {
    const cs = [{ id: 'c2', state: 'CONTAINER_RUNNING' }, { id: 'c1', state: 'CONTAINER_EXITED' }];
    const sbs = [{ id: 's1', state: 'SANDBOX_READY' }];
    assert.equal(runtimePrint(cs, sbs), runtimePrint([...cs].reverse(), sbs));
    assert.notEqual(runtimePrint(cs, sbs), runtimePrint([{ ...cs[0], state: 'CONTAINER_EXITED' }, cs[1]], sbs));
    assert.equal(runtimePrint([], []), '');
  });
});
