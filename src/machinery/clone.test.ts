import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepCopy } from './clone.ts';

const pod = JSON.parse(JSON.stringify({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-1', labels: { app: 'web' }, ownerReferences: [{ uid: 'u', controller: true }], managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': { 'k:{"name":"a"}': { '.': {} } } } }] },
  spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }], args: [], env: [{ name: 'X', value: '' }] }], nodeName: null },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }], n: -0, f: 1.5e300 },
}));
const cyclic: any = { a: 1 };
cyclic.self = cyclic;
const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays

const cases: { name: string; value: unknown }[] = [
  { name: 'a pod', value: pod },
  { name: 'primitives', value: [1, 'two', true, null, undefined, -0, NaN, 10n] },
  { name: 'undefined members stay', value: { a: undefined, b: [undefined] } },
  { name: 'a null-prototype object becomes a plain one', value: Object.assign(Object.create(null), { a: { b: 1 } }) },
  { name: 'an own __proto__ key stays a key', value: JSON.parse('{"__proto__":{"x":1},"y":2}') },
  { name: 'a Date inside', value: { when: new Date(0), list: [new Map([[1, 2]])] } },
  { name: 'a sparse array', value: { a: sparse } },
  { name: 'a cycle', value: cyclic },
  { name: 'deep nesting', value: (() => { let v: any = {}; for (let i = 0; i < 600; i++) v = { v }; return v; })() },
  { name: 'a class instance', value: { e: new (class A { x = 1; })() } },
];

for (const c of cases) {
  test(`deepCopy equals structuredClone: ${c.name}`, () => {
    const got = deepCopy(c.value);
    assert.deepStrictEqual(got, structuredClone(c.value));
    if (typeof c.value === 'object' && c.value !== null) assert.notEqual(got, c.value);
  });
}

test('deepCopy copies deeply: changing the copy leaves the original alone', () => {
  const original = JSON.parse(JSON.stringify(pod));
  const copy = deepCopy(original);
  copy.spec.containers[0].ports[0].containerPort = 81;
  copy.metadata.labels.app = 'other';
  assert.deepStrictEqual(original, pod);
});

test('an own __proto__ key does not change the prototype of the copy', () => {
  const copy = deepCopy(JSON.parse('{"__proto__":{"polluted":true}}'));
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.ok(Object.hasOwn(copy, '__proto__'));
  assert.equal(({} as any).polluted, undefined);
});

test('what structuredClone refuses, deepCopy refuses the same way', () => {
  for (const v of [{ f: () => 1 }, [Symbol('s')]]) {
    assert.throws(() => structuredClone(v), { name: 'DataCloneError' });
    assert.throws(() => deepCopy(v), { name: 'DataCloneError' });
  }
});
