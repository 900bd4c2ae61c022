import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collectedResources, gcRelevantChange } from './index.ts';

describe('collectedResources', () => {
  it('follows pods and ReplicaSets but, as upstream, never Events', () => {
    const ids = collectedResources().map((r) => `${r.group}/${r.resource}`);
    assert.ok(ids.includes('/pods') && ids.includes('apps/replicasets'));
    assert.ok(!ids.includes('/events') && !ids.includes('events.k8s.io/events'));
  });
});

describe('gcRelevantChange', () => {
  const base = { metadata: { uid: 'u', ownerReferences: [{ uid: 'o', controller: true }], finalizers: ['f'] }, status: { phase: 'Pending' } };
  const cases: [string, any, boolean][] = [
    ['a status write', { ...base, status: { phase: 'Running' } }, false],
    ['a label change', { ...base, metadata: { ...base.metadata, labels: { a: 'b' } } }, false],
    ['an owner added', { ...base, metadata: { ...base.metadata, ownerReferences: [...base.metadata.ownerReferences, { uid: 'p' }] } }, true],
    ['an owner reference changed', { ...base, metadata: { ...base.metadata, ownerReferences: [{ uid: 'o', controller: true, blockOwnerDeletion: true }] } }, true],
    ['deletion started', { ...base, metadata: { ...base.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, true],
    ['a finalizer removed', { ...base, metadata: { ...base.metadata, finalizers: [] } }, true],
    ['another object of the name', { ...base, metadata: { ...base.metadata, uid: 'v' } }, true],
  ];
  for (const [name, next, want] of cases) it(name, () => assert.equal(gcRelevantChange(base, next), want));
});
