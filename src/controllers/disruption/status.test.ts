import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeStatus, expectedCounts, pdbSelects, DELETION_TIMEOUT_MS } from './status.ts';
import type { Owners } from './status.ts';

const NOW = new Date('2026-01-01T00:00:00Z');

function pod(name: string, opts: { ready?: boolean; owner?: any; labels?: Record<string, string>; deleting?: boolean } = {}): any {
  return {
    metadata: {
      name, namespace: 'ns', labels: opts.labels ?? { app: 'web' },
      ...(opts.owner ? { ownerReferences: [{ ...opts.owner, controller: true }] } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function pdb(spec: any, status?: any): any {
  return { metadata: { name: 'b', namespace: 'ns', generation: 3 }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, ...(status ? { status } : {}) };
}

const deploy = { metadata: { name: 'd', namespace: 'ns', uid: 'd-uid' }, spec: { replicas: 10 } };
const rs = { metadata: { name: 'd-1', namespace: 'ns', uid: 'rs-uid', ownerReferences: [{ kind: 'Deployment', name: 'd', uid: 'd-uid', controller: true }] }, spec: { replicas: 4 } };
const sts = { metadata: { name: 's', namespace: 'ns', uid: 's-uid' }, spec: { replicas: 3 } };
const owners: Owners = {
  replicaSet: (k) => (k === 'ns/d-1' ? rs : undefined),
  deployment: (k) => (k === 'ns/d' ? deploy : undefined),
  statefulSet: (k) => (k === 'ns/s' ? sts : undefined),
  replicationController: () => undefined,
};
const byRS = { kind: 'ReplicaSet', name: 'd-1', uid: 'rs-uid' };
const bySTS = { kind: 'StatefulSet', name: 's', uid: 's-uid' };

describe('expectedCounts', () => {
  const pods = [pod('a', { owner: byRS }), pod('b', { owner: byRS }), pod('c', { owner: bySTS })];
  const cases: Array<[string, any, number, number]> = [
    ['minAvailable int counts pods', { minAvailable: 2 }, 3, 2],
    ['minAvailable percent against the Deployment (not RS) plus StatefulSet scale, rounded up', { minAvailable: '25%' }, 13, 4],
    ['maxUnavailable int', { maxUnavailable: 1 }, 13, 12],
    ['maxUnavailable percent rounded up', { maxUnavailable: '10%' }, 13, 11],
    ['maxUnavailable larger than scale floors at 0', { maxUnavailable: 20 }, 13, 0],
    ['neither set', {}, 0, 0],
  ];
  for (const [name, spec, expected, desired] of cases) {
    it(name, () => assert.deepEqual(expectedCounts(pdb(spec), pods, owners), { expectedPods: expected, desiredHealthy: desired }));
  }
  it('fails for a pod without a known controller when scale is needed', () => {
    assert.throws(() => expectedCounts(pdb({ maxUnavailable: 1 }), [pod('x')], owners), /found no controller/);
    assert.throws(() => expectedCounts(pdb({ maxUnavailable: 1 }), [pod('x', { owner: { ...bySTS, uid: 'other' } })], owners), /found no controllers/);
  });
});

describe('pdbSelects', () => {
  it('empty selector selects all, absent none, other namespaces never', () => {
    assert.equal(pdbSelects(pdb({ selector: {} }), pod('a', { labels: {} })), true);
    assert.equal(pdbSelects({ metadata: { namespace: 'ns' }, spec: {} }, pod('a')), false);
    assert.equal(pdbSelects(pdb({}), { ...pod('a'), metadata: { ...pod('a').metadata, namespace: 'x' } }), false);
    assert.equal(pdbSelects(pdb({}), pod('a', { labels: { app: 'db' } })), false);
  });
});

describe('computeStatus', () => {
  it('counts Ready pods and allows the surplus', () => {
    const { status } = computeStatus(pdb({ minAvailable: 1 }), [pod('a'), pod('b'), pod('c', { ready: false }), pod('d', { deleting: true })], owners, NOW);
    assert.equal(status.currentHealthy, 2);
    assert.equal(status.desiredHealthy, 1);
    assert.equal(status.expectedPods, 4);
    assert.equal(status.disruptionsAllowed, 1);
    assert.equal(status.observedGeneration, 3);
    assert.deepEqual(status.conditions, [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 3, lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  });
  it('allows nothing when short, keeping the transition time of an unchanged condition', () => {
    const old = { conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' }] };
    const { status } = computeStatus(pdb({ minAvailable: 2 }, old), [pod('a'), pod('b')], owners, NOW);
    assert.equal(status.disruptionsAllowed, 0);
    assert.equal(status.conditions[0].reason, 'InsufficientPods');
    assert.equal(status.conditions[0].lastTransitionTime, '2025-01-01T00:00:00Z');
  });
  it('does not count pods already evicted, and forgets evictions that timed out', () => {
    const recent = new Date(NOW.getTime() - 1000).toISOString();
    const stale = new Date(NOW.getTime() - DELETION_TIMEOUT_MS - 1000).toISOString();
    const { status, recheckAt } = computeStatus(pdb({ minAvailable: 1 }, { disruptedPods: { a: recent, b: stale, gone: recent } }), [pod('a'), pod('b'), pod('c')], owners, NOW);
    assert.deepEqual(status.disruptedPods, { a: recent });
    assert.equal(status.currentHealthy, 2);
    assert.equal(status.disruptionsAllowed, 1);
    assert.equal(recheckAt, Date.parse(recent) + DELETION_TIMEOUT_MS);
  });
  it('fails safe (SyncFailed, nothing allowed) when the scale cannot be found', () => {
    const { status } = computeStatus(pdb({ maxUnavailable: 1 }, { disruptionsAllowed: 5 }), [pod('a')], owners, NOW);
    assert.equal(status.disruptionsAllowed, 0);
    assert.equal(status.conditions[0].reason, 'SyncFailed');
    assert.match(status.conditions[0].message, /found no controller/);
  });
});
