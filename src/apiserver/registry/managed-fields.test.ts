import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leaves, toFieldsV1, fromFieldsV1, formatPath, valueAt } from './managed-fields.ts';

const dep = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, uid: 'u', resourceVersion: '5' },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } } },
  status: { replicas: 2 },
};

describe('managed fields', () => {
  it('lists leaves by field, list key and set value, skipping server-owned metadata and status', () => {
    const keys = [...leaves(dep).values()].map(formatPath).sort();
    assert.deepEqual(keys, [
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.template.spec.containers[name="web"]',
      '.spec.template.spec.containers[name="web"].image',
      '.spec.template.spec.containers[name="web"].name',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].containerPort',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].protocol',
    ]);
  });

  it('round-trips through FieldsV1', () => {
    const set = leaves(dep);
    const v1 = toFieldsV1(set);
    assert.deepEqual(v1['f:spec']['f:replicas'], {});
    assert.ok(v1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}']['.']);
    assert.deepEqual([...fromFieldsV1(v1).keys()].sort(), [...set.keys()].sort());
  });

  it('reads values at paths', () => {
    const paths = [...leaves(dep).values()];
    const image = paths.find((p) => formatPath(p).endsWith('.image'))!;
    assert.equal(valueAt(dep, image), 'nginx');
  });
});
