import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hooksFor } from '../../hooks.ts';

const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };

function defaulted(kind: string, spec: any): any {
  const obj = { metadata: { name: 'x' }, spec: structuredClone(spec) };
  hooksFor('apps', 'v1', kind).defaults?.(obj);
  return obj.spec;
}

test('Deployment defaults', () => {
  const spec = defaulted('Deployment', { selector: { matchLabels: { app: 'a' } }, template });
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  assert.equal(spec.template.spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(spec.template.spec.enableServiceLinks, undefined);
  assert.deepEqual(defaulted('Deployment', { replicas: 0, strategy: { type: 'Recreate' }, template }).strategy, { type: 'Recreate' });
  assert.equal(defaulted('Deployment', { replicas: 0, template }).replicas, 0);
});

test('ReplicaSet, DaemonSet and StatefulSet defaults', () => {
  assert.equal(defaulted('ReplicaSet', { template }).replicas, 1);
  const ds = defaulted('DaemonSet', { template });
  assert.deepEqual(ds.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.revisionHistoryLimit, 10);
  assert.deepEqual(defaulted('DaemonSet', { updateStrategy: { type: 'OnDelete' }, template }).updateStrategy, { type: 'OnDelete' });
  const sts = defaulted('StatefulSet', {
    serviceName: 's', template,
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
  });
  assert.equal(sts.replicas, 1);
  assert.equal(sts.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(sts.revisionHistoryLimit, 10);
  assert.deepEqual(sts.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.deepEqual(sts.volumeClaimTemplates[0], {
    metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, status: { phase: 'Pending' },
  });
  assert.deepEqual(defaulted('StatefulSet', { updateStrategy: { type: 'RollingUpdate' }, template }).updateStrategy, { type: 'RollingUpdate' });
});
