import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys, lowerBound, prefixEnd } from './keys.ts';

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('key order', () => {
  it('orders keys like their UTF-8 bytes', () => {
    const keys = ['/a', '/a/b', '/a/bc', '/\uffff', '/😀', '/日本', '/\ue000', '/Z', '/a\u0000', ''];
    assert.deepEqual([...keys].sort(compareKeys), [...keys].sort(byteOrder));
  });

  it('computes the end of a prefix range', () => {
    assert.equal(prefixEnd('/a/b/'), '/a/b0');
    assert.equal(prefixEnd('/x\ud7ff'), '/x\ue000');
    assert.equal(prefixEnd('/x\u{10ffff}'), '/y');
    assert.equal(prefixEnd(''), undefined);
    for (const p of ['/a/', '/日', '/😀']) {
      const end = prefixEnd(p)!;
      assert.ok(byteOrder(p + '\u{10ffff}\u{10ffff}', end) < 0, `${p}: every key under the prefix sorts below the end`);
      assert.ok(byteOrder(end, p) > 0);
      assert.ok(!end.startsWith(p));
    }
  });

  it('finds insertion points by binary search', () => {
    const sorted = ['/a', '/b', '/d'];
    assert.deepEqual(['/', '/a', '/c', '/e'].map((k) => lowerBound(sorted, k)), [0, 0, 2, 3]);
  });
});
