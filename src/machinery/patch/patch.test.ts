import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, applyMergePatch, createMergePatch, applyPatch, PatchError } from './index.ts';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const DEP = { group: 'apps', version: 'v1', kind: 'Deployment' };

describe('JSON patch (RFC 6902)', () => {
  const doc = { a: { b: [1, 2, 3] }, 'x/y': 1, 'm~n': 2 };
  const cases: [string, unknown, unknown][] = [
    ['add to object', [{ op: 'add', path: '/c', value: 3 }], { ...doc, c: 3 }],
    ['add to array end', [{ op: 'add', path: '/a/b/-', value: 4 }], { ...doc, a: { b: [1, 2, 3, 4] } }],
    ['add in array', [{ op: 'add', path: '/a/b/1', value: 9 }], { ...doc, a: { b: [1, 9, 2, 3] } }],
    ['remove', [{ op: 'remove', path: '/a/b/0' }], { ...doc, a: { b: [2, 3] } }],
    ['replace escaped', [{ op: 'replace', path: '/x~1y', value: 5 }], { ...doc, 'x/y': 5 }],
    ['move', [{ op: 'move', from: '/m~0n', path: '/z' }], { a: { b: [1, 2, 3] }, 'x/y': 1, z: 2 }],
    ['copy', [{ op: 'copy', from: '/a/b/2', path: '/a/b/0' }], { ...doc, a: { b: [3, 1, 2, 3] } }],
    ['test ok', [{ op: 'test', path: '/a/b', value: [1, 2, 3] }], doc],
  ];
  for (const [name, patch, want] of cases) it(name, () => assert.deepEqual(applyJsonPatch(doc, patch), want));
  it('does not mutate its input', () => {
    const before = structuredClone(doc);
    applyJsonPatch(doc, [{ op: 'remove', path: '/a' }]);
    assert.deepEqual(doc, before);
  });
  const bad: [string, unknown, RegExp][] = [
    ['missing path', [{ op: 'remove', path: '/nope' }], /nonexistent|missing/],
    ['failed test', [{ op: 'test', path: '/x~1y', value: 2 }], /test failed/],
    ['bad index', [{ op: 'add', path: '/a/b/7', value: 1 }], /out of bounds/],
    ['unknown op', [{ op: 'frob', path: '/a' }], /Unexpected kind/],
    ['not a list', { op: 'add' }, /array/],
  ];
  for (const [name, patch, msg] of bad) it(`refuses: ${name}`, () => assert.throws(() => applyJsonPatch(doc, patch), (e: unknown) => e instanceof PatchError && msg.test(e.message)));
});

describe('JSON merge patch (RFC 7386)', () => {
  it('merges, deletes with null, replaces arrays', () => {
    assert.deepEqual(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { a: null, b: { c: 5 }, e: [2, 3] }), { b: { c: 5, d: 3 }, e: [2, 3] });
  });
  it('creates a patch that round-trips', () => {
    const a = { x: 1, y: { z: [1, 2], w: 'q' }, gone: true };
    const b = { x: 2, y: { z: [3], w: 'q' }, added: { n: 1 } };
    assert.deepEqual(applyMergePatch(a, createMergePatch(a, b)), b);
  });
  it('leaves the original and the patch untouched, and shares no object with either', () => {
    const original = { metadata: { labels: { a: '1' } }, spec: { deep: { deeper: { x: 1 } } } };
    const patch = { metadata: { labels: { b: '2' } }, spec: { deep: { deeper: { y: [1] } } }, status: { s: { t: 1 } } };
    const before = [structuredClone(original), structuredClone(patch)];
    const out = applyMergePatch(original, patch) as any;
    out.metadata.labels.c = '3';
    out.spec.deep.deeper.y.push(2);
    out.status.s.t = 2;
    assert.deepEqual([original, patch], before);
  });
});

describe('strategic merge patch', () => {
  const pod = {
    metadata: { name: 'p', labels: { a: '1', b: '2' }, finalizers: ['x'] },
    spec: {
      containers: [{ name: 'app', image: 'v1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] }, { name: 'side', image: 's1' }],
      tolerations: [{ key: 't1' }], volumes: [{ name: 'v', emptyDir: {} }],
    },
  };
  it('merges containers by name and keeps the others', () => {
    const out: any = applyPatch('application/strategic-merge-patch+json', pod, { spec: { containers: [{ name: 'app', image: 'v2' }, { name: 'new', image: 'n' }] } }, POD);
    assert.deepEqual(out.spec.containers.map((c: any) => [c.name, c.image]), [['app', 'v2'], ['side', 's1'], ['new', 'n']]);
    assert.deepEqual(out.spec.containers[0].env, [{ name: 'A', value: '1' }]);
  });
  it('replaces lists without a strategy (tolerations)', () => {
    const out: any = applyPatch('application/strategic-merge-patch+json', pod, { spec: { tolerations: [{ key: 't2' }] } }, POD);
    assert.deepEqual(out.spec.tolerations, [{ key: 't2' }]);
  });
  it('deletes list items with $patch: delete and map keys with null', () => {
    const out: any = applyPatch('application/strategic-merge-patch+json', pod, {
      metadata: { labels: { a: null } }, spec: { containers: [{ name: 'side', $patch: 'delete' }] },
    }, POD);
    assert.deepEqual(out.metadata.labels, { b: '2' });
    assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['app']);
  });
  it('replaces a whole list with $patch: replace', () => {
    const out: any = applyPatch('application/strategic-merge-patch+json', pod, { spec: { containers: [{ name: 'only', image: 'o' }, { $patch: 'replace' }] } }, POD);
    assert.deepEqual(out.spec.containers, [{ name: 'only', image: 'o' }]);
  });
  it('orders with $setElementOrder and prunes with $deleteFromPrimitiveList', () => {
    const out: any = applyPatch('application/strategic-merge-patch+json', pod, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] },
      spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }], containers: [{ name: 'app', image: 'v3' }] },
    }, POD);
    assert.deepEqual(out.metadata.finalizers, []);
    assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['side', 'app']);
  });
  it('honours $retainKeys (deployment strategy)', () => {
    const dep = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const out: any = applyPatch('application/strategic-merge-patch+json', dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, DEP);
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });
  it('refuses list items without the merge key, and unknown directives', () => {
    assert.throws(() => applyPatch('application/strategic-merge-patch+json', pod, { spec: { containers: [{ image: 'x' }] } }, POD), /merge key: name/);
    assert.throws(() => applyPatch('application/strategic-merge-patch+json', pod, { spec: { $patch: 'frob' } }, POD), /Unknown patch type/);
  });
  it('is unsupported for kinds without a schema', () => {
    assert.throws(() => applyPatch('application/strategic-merge-patch+json', {}, {}, { group: 'x.io', version: 'v1', kind: 'Thing' }), /not supported/);
  });
});

describe('strategic merge patch and its original', () => {
  const patches: [string, unknown][] = [
    ['a status with a keyed list', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }],
    ['a container merged by name and one added', { spec: { containers: [{ name: 'app', image: 'v2', env: [{ name: 'A', value: '1' }] }, { name: 'new' }] } }],
    ['an item deleted and keys retained', { spec: { $retainKeys: ['containers'], containers: [{ name: 'side', $patch: 'delete' }] } }],
    ['labels and a primitive set', { metadata: { labels: { a: null, b: '2' }, finalizers: ['f2'] } }],
  ];
  for (const [name, patch] of patches) {
    it(`leaves the original as it was, sharing nothing with the result: ${name}`, () => {
      const pod = {
        metadata: { name: 'p', labels: { a: '1' }, finalizers: ['f1'] },
        spec: { containers: [{ name: 'app', image: 'v1', env: [{ name: 'B', value: '0' }] }, { name: 'side', image: 's' }], nodeName: 'n' },
        status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] },
      };
      const before = structuredClone(pod);
      const out: any = applyPatch('application/strategic-merge-patch+json', pod, patch, POD);
      assert.deepEqual(pod, before);
      const scribble = (v: any): void => {
        if (Array.isArray(v)) { v.forEach(scribble); v.push('x'); } else if (v && typeof v === 'object') { for (const k of Object.keys(v)) scribble(v[k]); v.scribbled = true; }
      };
      scribble(out);
      assert.deepEqual(pod, before);
    });
  }
});
