import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { changedLeaves, fieldsV1Of, leaves, toFieldsV1, fromFieldsV1, formatPath, valueAt, isNormalFieldsV1, hasLeaf, pathKey } from './managed-fields.ts';
import type { Path } from './managed-fields.ts';
import { jsonEqual } from './equal.ts';
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

/** The definition changedLeaves must match: every leaf of both objects, compared by value. */
function changedByDefinition(old: any, next: any): Map<string, Path | undefined> {
  const before = leaves(old);
  const after = leaves(next);
  const out = new Map<string, Path | undefined>();
  for (const [k, p] of after) if (!before.has(k) || !isDeepStrictEqual(valueAt(old, p), valueAt(next, p))) out.set(k, p);
  for (const k of before.keys()) if (!after.has(k)) out.set(k, undefined);
  return out;
}

describe('changedLeaves', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'd', uid: 'u', resourceVersion: '3', labels: { app: 'web' }, annotations: {}, finalizers: ['a', 'b'] },
    spec: {
      nodeName: '', containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] }],
      tolerations: [{ key: 'k', operator: 'Exists' }], securityContext: {},
    },
    status: { phase: 'Pending' },
  };
  const edits: [string, (o: any) => void][] = [
    ['nothing', () => {}],
    ['status only', (o) => { o.status = { phase: 'Running', podIP: '10.0.0.1' }; }],
    ['server-owned metadata only', (o) => { o.metadata.resourceVersion = '9'; o.metadata.managedFields = [{ manager: 'x' }]; }],
    ['a label', (o) => { o.metadata.labels.app = 'api'; }],
    ['a new label', (o) => { o.metadata.labels.tier = 'x'; }],
    ['labels removed', (o) => { delete o.metadata.labels; }],
    ['the node name', (o) => { o.spec.nodeName = 'n1'; }],
    ['an image inside a keyed list', (o) => { o.spec.containers[0].image = 'nginx:2'; }],
    ['an env var added', (o) => { o.spec.containers[0].env.push({ name: 'B', value: '2' }); }],
    ['a container added', (o) => { o.spec.containers.push({ name: 'side', image: 'busybox' }); }],
    ['an atomic list changed', (o) => { o.spec.tolerations[0].operator = 'Equal'; }],
    ['a finalizer removed', (o) => { o.metadata.finalizers = ['b']; }],
    ['an empty object filled', (o) => { o.spec.securityContext = { runAsUser: 1 }; }],
    ['a filled object emptied', (o) => { o.spec.containers[0].ports[0] = {}; }],
    ['an object turned scalar', (o) => { o.spec.securityContext = null; }],
    ['a key set to undefined', (o) => { o.spec.nodeName = undefined; }],
    ['apiVersion and kind', (o) => { o.apiVersion = 'v2'; o.kind = 'X'; }],
    ['a new top-level field', (o) => { o.data = { a: '1' }; }],
  ];
  for (const [name, edit] of edits) {
    it(`finds what comparing every leaf finds: ${name}`, () => {
      const next = structuredClone(pod) as any;
      edit(next);
      const got = changedLeaves(pod, next, jsonEqual);
      assert.deepEqual(got, changedByDefinition(pod, next));
      assert.deepEqual(changedLeaves(next, pod, jsonEqual), changedByDefinition(next, pod));
    });
  }
});

describe('fieldsV1Of', () => {
  const objects: [string, any][] = [
    ['a deployment', dep],
    ['a pod with lists of every kind', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', labels: { a: '1' }, finalizers: ['x', 'y'], ownerReferences: [{ uid: 'u1', name: 'o' }] },
      spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }, { containerPort: 81, protocol: 'UDP' }], env: [{ name: 'E', value: '' }] }, { name: 'b', args: ['x'] }], tolerations: [{ key: 'k' }], securityContext: {} },
    }],
    ['only server-owned metadata', { metadata: { name: 'n', namespace: 'd', uid: 'u', resourceVersion: '1' }, data: {} }],
    ['an empty set list', { metadata: { name: 'n', finalizers: [] }, spec: { finalizers: [] } }],
    ['an empty keyed list and null', { spec: { containers: [], nodeName: null } }],
    ['list items repeating a key, or missing it', { spec: { containers: [{ name: 'a', image: '1' }, { name: 'a', tty: true }, { image: 'z' }] } }],
    ['service ports', { spec: { ports: [{ port: 80, protocol: 'TCP' }] }, status: { x: 1 } }],
    ['nothing but type meta', { apiVersion: 'v1', kind: 'X' }],
  ];
  for (const [name, obj] of objects) {
    it(`builds what toFieldsV1(leaves()) builds: ${name}`, () => {
      assert.deepEqual(fieldsV1Of(obj), toFieldsV1(leaves(obj)));
      assert.equal(JSON.stringify(fieldsV1Of(obj)), JSON.stringify(toFieldsV1(leaves(obj))));
    });
  }
});
