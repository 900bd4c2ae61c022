import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { balanced, leastAllocated, mostAllocated, requestedToCapacityRatio } from './scorers.ts';

const R = [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }];

describe('resource scorers (upstream arithmetic)', () => {
  const cases: [string, number, number][] = [
    // requested [cpu, mem] against allocatable [4000, 10000]
    ['least: half used', leastAllocated([2000, 5000], [4000, 10000], R), 50],
    ['least: (75 + 40) / 2 truncated', leastAllocated([1000, 6000], [4000, 10000], R), 57],
    ['least: over capacity scores 0 for that resource', leastAllocated([5000, 0], [4000, 10000], R), 50],
    ['most: (25 + 60) / 2', mostAllocated([1000, 6000], [4000, 10000], R), 42],
    ['most: capped at capacity', mostAllocated([8000, 10000], [4000, 10000], R), 100],
    ['zero allocatable is skipped', leastAllocated([0, 5000], [0, 10000], R), 50],
    ['balanced: equal fractions', balanced([2000, 5000], [4000, 10000]), 100],
    ['balanced: |0.25 - 0.75| / 2', balanced([1000, 7500], [4000, 10000]), 75],
  ];
  for (const [name, got, want] of cases) it(name, () => assert.equal(got, want));

  it('requestedToCapacityRatio follows the shape (bin packing shape)', () => {
    const f = requestedToCapacityRatio([{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }]);
    assert.equal(f([2000, 5000], [4000, 10000], R), 50);
    const g = requestedToCapacityRatio([{ utilization: 0, score: 10 }, { utilization: 100, score: 0 }]);
    assert.equal(g([1000, 2500], [4000, 10000], R), 75);
  });
});
