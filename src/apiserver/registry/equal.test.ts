import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { jsonEqual } from './equal.ts';

const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
const cases: [string, unknown, unknown][] = [
  ['equal objects in another key order', { a: 1, b: { c: [1, 'x', null] } }, { b: { c: [1, 'x', null] }, a: 1 }],
  ['a changed leaf', { a: { b: 1 } }, { a: { b: 2 } }],
  ['an extra key', { a: 1 }, { a: 1, b: 2 }],
  ['a key with undefined against a missing key', { a: 1, b: undefined }, { a: 1, c: undefined }],
  ['undefined against undefined', { a: undefined }, { a: undefined }],
  ['0 and -0', { n: 0 }, { n: -0 }],
  ['NaN and NaN', [NaN], [NaN]],
  ['an array against an object', { a: [] }, { a: {} }],
  ['arrays of other lengths', [1, 2], [1, 2, 3]],
  ['a sparse array against a dense one', sparse, [1, undefined, 3]],
  ['null against an object', { a: null }, { a: {} }],
  ['a string against a number', '1', 1],
  ['dates', { t: new Date(0) }, { t: new Date(0) }],
  ['other dates', { t: new Date(0) }, { t: new Date(1) }],
  ['a null-prototype object', Object.assign(Object.create(null), { a: 1 }), { a: 1 }],
  ['the same object', sparse, sparse],
];

describe('jsonEqual', () => {
  for (const [name, a, b] of cases) {
    it(`answers as isDeepStrictEqual: ${name}`, () => {
      assert.equal(jsonEqual(a, b), isDeepStrictEqual(a, b));
      assert.equal(jsonEqual(b, a), isDeepStrictEqual(b, a));
    });
  }
});
