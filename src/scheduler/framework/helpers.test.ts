import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultNormalizeScores } from './helpers.ts';

describe('defaultNormalizeScores (upstream DefaultNormalizeScore)', () => {
  const cases: [string, number[], boolean, number[]][] = [
    ['scaled to the highest', [1, 2, 4], false, [25, 50, 100]],
    ['truncated, not rounded', [1, 3], false, [33, 100]],
    ['reversed: fewer is better', [0, 1, 2], true, [100, 50, 0]],
    ['all zero stays zero', [0, 0], false, [0, 0]],
    ['all zero reversed is the maximum', [0, 0], true, [100, 100]],
    ['no nodes', [], true, []],
  ];
  for (const [name, raw, reverse, want] of cases) {
    it(name, () => {
      const scores = Float64Array.from(raw);
      defaultNormalizeScores(scores, reverse);
      assert.deepEqual([...scores], want);
    });
  }
  it('a smaller maximum', () => {
    const scores = Float64Array.from([5, 10]);
    defaultNormalizeScores(scores, false, 10);
    assert.deepEqual([...scores], [5, 10]);
  });
});
