import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parentAndOrdinal, identityMatches, storageMatches, newVersionedPod, inOrdinalRange } from './identity.ts';
import { isClaimOwnerUpToDate, wantedClaimRefs } from './claims.ts';
import { maxUnavailableOf } from './control.ts';
import { revisionData, applyRevision } from './revision.ts';

const set = (spec: any = {}) => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'set-uid' },
  spec: { replicas: 3, serviceName: 'svc', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } }, ...spec },
});
const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true };

describe('StatefulSet identity', () => {
  for (const [name, parent, ordinal] of [['web-0', 'web', 0], ['my-web-12', 'my-web', 12], ['web', '', -1], ['web-x', '', -1], ['web-99999999999', 'web', -1]] as const) {
    it(`parses ${name}`, () => assert.deepEqual(parentAndOrdinal({ metadata: { name } }), { parent, ordinal }));
  }

  it('builds a pod whose identity and storage match, and notices drift', () => {
    const s = set({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] });
    const pod = newVersionedPod(s, s, 'r1', 'r2', 2, ref);
    assert.equal(identityMatches(s, pod), true);
    assert.equal(storageMatches(s, pod), true);
    assert.equal(identityMatches(s, { ...pod, metadata: { ...pod.metadata, labels: {} } }), false);
    assert.equal(storageMatches(s, { ...pod, spec: { ...pod.spec, volumes: [{ name: 'data', emptyDir: {} }] } }), false);
  });

  it('creates ordinals below the partition at the current revision', () => {
    const s = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    const rev = (o: number) => newVersionedPod(s, s, 'cur', 'upd', o, ref).metadata.labels['controller-revision-hash'];
    assert.deepEqual([0, 1, 2].map(rev), ['cur', 'cur', 'upd']);
    const onDelete = set({ updateStrategy: { type: 'OnDelete' } });
    assert.equal(newVersionedPod(onDelete, onDelete, 'cur', 'upd', 0, ref).metadata.labels['controller-revision-hash'], 'upd');
  });

  it('knows the ordinal range with ordinals.start', () => {
    const s = set({ replicas: 2, ordinals: { start: 3 } });
    assert.deepEqual([2, 3, 4, 5].map((o) => inOrdinalRange({ metadata: { name: `web-${o}` } }, s)), [false, true, true, false]);
  });

  for (const [value, replicas, want] of [[undefined, 5, 1], [3, 5, 3], ['50%', 5, 2], ['10%', 5, 1], ['2', 5, 2]] as const) {
    it(`maxUnavailable ${String(value)} of ${replicas} is ${want}`, () => assert.equal(maxUnavailableOf(value, replicas), want));
  }

  it('stores the template as a replace patch with sorted keys and restores it', () => {
    const s = set({ template: { spec: { containers: [{ name: 'c', image: 'i' }] }, metadata: { labels: { b: '1', a: '2' } } } });
    const data = revisionData(s);
    assert.equal(JSON.stringify(data), '{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"a":"2","b":"1"}},"spec":{"containers":[{"image":"i","name":"c","resources":{}}]}}}}');
    const restored = applyRevision(set(), { data });
    assert.deepEqual(restored.spec.template, { metadata: { creationTimestamp: null, labels: { a: '2', b: '1' } }, spec: { containers: [{ image: 'i', name: 'c', resources: {} }] } });
  });
});

describe('claim retention ownerReferences', () => {
  const pod = (o: number) => ({ metadata: { name: `web-${o}`, uid: `pod-${o}` } });
  const owner = (obj: any, kind: string) => ({ apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1', kind, obj });
  const cases = [
    // whenDeleted, whenScaled, ordinal (replicas 3), wanted owner uids
    ['Retain', 'Retain', 0, []],
    ['Delete', 'Retain', 0, ['set-uid']],
    ['Delete', 'Retain', 5, ['set-uid']],
    ['Retain', 'Delete', 0, []],
    ['Retain', 'Delete', 5, ['pod-5']],
    ['Delete', 'Delete', 0, ['set-uid']],
    ['Delete', 'Delete', 5, ['pod-5']],
  ] as const;
  for (const [whenDeleted, whenScaled, o, want] of cases) {
    it(`whenDeleted ${whenDeleted}, whenScaled ${whenScaled}, ordinal ${o}: owned by [${want.join(', ')}]`, () => {
      const s = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
      const claim: any = { metadata: { name: `data-web-${o}` } };
      const refs = wantedClaimRefs(claim, owner(s, 'StatefulSet'), owner(pod(o), 'Pod'));
      assert.deepEqual(refs.map((r) => r.uid), want);
      assert.ok(refs.every((r) => r.controller === true));
      assert.equal(isClaimOwnerUpToDate({ metadata: { ...claim.metadata, ownerReferences: refs } }, owner(s, 'StatefulSet'), owner(pod(o), 'Pod')), true);
      if (want.length) assert.equal(isClaimOwnerUpToDate(claim, owner(s, 'StatefulSet'), owner(pod(o), 'Pod')), false);
    });
  }

  it('leaves a claim with another controller alone', () => {
    const s = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    const claim = { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Foo', name: 'x', uid: 'x', controller: true }] } };
    assert.equal(isClaimOwnerUpToDate(claim, owner(s, 'StatefulSet'), owner(pod(0), 'Pod')), true);
    assert.deepEqual(wantedClaimRefs(claim, owner(s, 'StatefulSet'), owner(pod(0), 'Pod')), claim.metadata.ownerReferences);
  });
});
