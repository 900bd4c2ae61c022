import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { numCandidates } from './index.ts';

describe('DefaultPreemption candidate count', () => {
  const cases: [string, { minCandidateNodesPercentage?: number; minCandidateNodesAbsolute?: number }, number, number][] = [
    ['all of a small cluster', {}, 50, 50],
    ['at least 100', {}, 500, 100],
    ['10% of a large cluster', {}, 5000, 500],
    ['custom percentage', { minCandidateNodesPercentage: 40 }, 1000, 400],
    ['custom absolute, capped at the nodes', { minCandidateNodesAbsolute: 10_000 }, 300, 300],
  ];
  for (const [name, args, nodes, want] of cases) it(name, () => assert.equal(numCandidates(args, nodes), want));
});
