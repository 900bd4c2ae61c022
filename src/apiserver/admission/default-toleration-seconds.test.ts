import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTolerationSeconds } from './default-toleration-seconds.ts';

const pods = { group: '', resource: 'pods' } as any;
const admit = (spec: any, extra: object = {}) => {
  const a: any = { operation: 'CREATE', resource: pods, subresource: '', namespace: 'd', name: 'p', object: { spec }, user: { username: 'u', groups: [] }, dryRun: false, ...extra };
  defaultTolerationSeconds().admit!(a);
  return a.object.spec.tolerations;
};
const NR = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UR = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

test('DefaultTolerationSeconds adds what a pod lacks and keeps what it has', () => {
  assert.deepEqual(admit({}), [NR, UR]);
  const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 };
  assert.deepEqual(admit({ tolerations: [own] }), [own, NR]);
  // A toleration without an effect covers NoExecute too; a wildcard covers every key.
  assert.deepEqual(admit({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] }), [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }, UR]);
  assert.deepEqual(admit({ tolerations: [{ operator: 'Exists' }] }), [{ operator: 'Exists' }]);
  // A NoSchedule toleration does not cover the NoExecute taint.
  assert.deepEqual(admit({ tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }] }).length, 3);
});

test('DefaultTolerationSeconds leaves updates and other resources alone', () => {
  assert.equal(admit({}, { operation: 'UPDATE' }), undefined);
  assert.equal(admit({}, { resource: { group: '', resource: 'configmaps' } }), undefined);
});
