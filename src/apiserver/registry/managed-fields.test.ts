import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leaves, toFieldsV1, fromFieldsV1, formatPath, valueAt, isNormalFieldsV1, hasLeaf, pathKey } from './managed-fields.ts';
import { trackUpdate } from './apply.ts';

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

  it('knows a normal FieldsV1 tree, which rebuilds to itself, and its leaves', () => {
    const built = toFieldsV1(leaves(dep));
    const trees: { tree: unknown; normal: boolean }[] = [
      { tree: built, normal: true },
      { tree: {}, normal: true },
      { tree: { 'f:b': {}, 'f:a': {} }, normal: false },
      { tree: { 'f:a': { 'f:x': 1 } }, normal: false },
      { tree: { 'f:a': [] }, normal: false },
      { tree: { 'f:a\u0000f:b': {} }, normal: false },
      { tree: null, normal: false },
    ];
    for (const { tree, normal } of trees) {
      assert.equal(isNormalFieldsV1(tree), normal, JSON.stringify(tree));
      if (!normal) continue;
      assert.deepEqual(toFieldsV1(fromFieldsV1(tree as any)), tree);
      const members = fromFieldsV1(tree as any);
      for (const k of members.keys()) assert.ok(hasLeaf(tree as any, k), k);
      for (const p of [['f:spec'], ['f:spec', 'f:nope'], ['f:metadata', 'f:labels'], ['f:x']]) {
        assert.equal(hasLeaf(tree as any, pathKey(p)), members.has(pathKey(p)), p.join('.'));
      }
    }
  });

  it('an update keeps other managers\' entries whose fields it leaves alone, and takes over the ones it changes', () => {
    const now = new Date(Date.UTC(2026, 0, 1));
    const old = structuredClone(dep) as any;
    old.metadata.managedFields = [
      { manager: 'a', operation: 'Update', apiVersion: 'apps/v1', time: 'T', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      { manager: 'b', operation: 'Update', apiVersion: 'apps/v1', time: 'T', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
      // Not normal (unsorted): rebuilt, as before.
      { manager: 'c', operation: 'Update', apiVersion: 'apps/v1', time: 'T', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:template': {}, 'f:paused': {} } } },
    ];
    const next = structuredClone(old);
    next.metadata.labels.app = 'other';
    trackUpdate(next, old, 'me', 'apps/v1', now);
    assert.deepEqual(next.metadata.managedFields, [
      old.metadata.managedFields[0],
      { ...old.metadata.managedFields[2], fieldsV1: { 'f:spec': { 'f:paused': {}, 'f:template': {} } } },
      { manager: 'me', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
    ]);
  });
});
