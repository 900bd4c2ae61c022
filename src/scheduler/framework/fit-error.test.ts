import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitErrorMessage, numFeasibleNodesToFind } from './fit-error.ts';
import { unschedulable, unresolvable } from './status.ts';

describe('numFeasibleNodesToFind (upstream adaptive percentage)', () => {
  const cases: [number, number, number][] = [[0, 50, 50], [0, 99, 99], [0, 100, 100], [0, 1000, 420], [0, 5000, 500], [0, 6000, 300], [10, 5000, 500], [1, 1000, 100], [100, 5000, 5000]];
  for (const [pct, n, want] of cases) it(`${pct}% of ${n} → ${want}`, () => assert.equal(numFeasibleNodesToFind(pct, n), want));
});

describe('fitErrorMessage', () => {
  it('counts reasons and sorts them as strings', () => {
    const m = new Map([['a', unschedulable('Insufficient cpu')], ['b', unschedulable('Insufficient cpu', 'Insufficient memory')], ['c', unresolvable('node(s) had untolerated taint {k: v}')]]);
    assert.equal(fitErrorMessage({ numAllNodes: 3, nodeStatuses: m }), '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.');
  });
  it('uses the PreFilter message instead of per-node reasons', () => {
    const m = new Map([['a', unresolvable('x')]]);
    assert.equal(fitErrorMessage({ numAllNodes: 1, nodeStatuses: m, preFilterMsg: 'pod has unbound immediate PersistentVolumeClaims', postFilterMsg: 'preemption: x.' }),
      '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: x..');
  });
});
