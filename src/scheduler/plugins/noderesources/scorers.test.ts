import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { balanced, balancedDefault, fillAllocatableAndRequested, isDefaultResources, leastAllocated, leastAllocatedDefault, mostAllocated, requestedToCapacityRatio } from './scorers.ts';
import { NodeInfo } from '../../framework/node-info.ts';
import { newPodInfo } from '../../framework/pod-info.ts';

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

describe('default-resource fast paths', () => {
  it('apply only to cpu and memory at weight 1', () => {
    assert.equal(isDefaultResources(R), true);
    assert.equal(isDefaultResources([{ name: 'memory', weight: 1 }, { name: 'cpu', weight: 1 }]), false);
    assert.equal(isDefaultResources([{ name: 'cpu', weight: 2 }, { name: 'memory', weight: 1 }]), false);
    assert.equal(isDefaultResources([...R, { name: 'nvidia.com/gpu', weight: 1 }]), false);
  });

  // Node sizes and pods chosen to hit the edges: zero allocatable, over
  // capacity, best-effort pods (the non-zero defaults), equal fractions.
  const nodes: [string, Record<string, string>, [string, string][]][] = [
    ['empty 4 cpu', { cpu: '4', memory: '8Gi', pods: '110' }, []],
    ['half full', { cpu: '4', memory: '8Gi', pods: '110' }, [['2', '4Gi']]],
    ['over capacity', { cpu: '1', memory: '1Gi', pods: '110' }, [['900m', '2Gi']]],
    ['no cpu', { memory: '8Gi', pods: '110' }, [['', '1Gi']]],
    ['no memory', { cpu: '8', pods: '110' }, [['3', '']]],
    ['nothing allocatable', { pods: '110' }, []],
    ['odd sizes', { cpu: '7', memory: '3Gi', pods: '110' }, [['333m', '100Mi'], ['', ''], ['1', '']]],
  ];
  const pods: [string, string, string][] = [['plain', '100m', '100Mi'], ['best effort', '', ''], ['cpu only', '1500m', ''], ['large', '6', '6Gi']];
  const podObj = (name: string, cpu: string, memory: string) => {
    const requests: Record<string, string> = {};
    if (cpu) requests.cpu = cpu;
    if (memory) requests.memory = memory;
    return { metadata: { name, namespace: 'd', uid: name }, spec: { containers: [{ name: 'c', resources: { requests } }] } };
  };
  for (const [nodeName, alloc, existing] of nodes) {
    for (const [podName, cpu, memory] of pods) {
      it(`${nodeName}, ${podName}: the same scores as the general scorers`, () => {
        const n = new NodeInfo(nodeName);
        n.setNode({ metadata: { name: nodeName }, status: { allocatable: alloc } });
        existing.forEach(([c, m], i) => n.addPod(newPodInfo(podObj(`e${i}`, c, m))));
        const pi = newPodInfo(podObj(podName, cpu, memory));
        const a = [0, 0];
        const r = [0, 0];
        for (let i = 0; i < 2; i++) fillAllocatableAndRequested(n, pi.nonZero, R[i].name, false, a, r, i);
        assert.equal(leastAllocatedDefault(n, pi.nonZero), leastAllocated(r, a, R));
        for (let i = 0; i < 2; i++) fillAllocatableAndRequested(n, pi.requests, R[i].name, true, a, r, i);
        assert.equal(balancedDefault(n, pi.requests), balanced(r, a));
      });
    }
  }
});
