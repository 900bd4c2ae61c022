// NodeResourcesBalancedAllocation: favours nodes whose cpu and memory (or
// configured resources) would be used in similar fractions.
import type { Plugin } from '../../framework/types.ts';
import { skip } from '../../framework/status.ts';
import type { ResourceSpec } from './scorers.ts';
import { DEFAULT_RESOURCES, balanced, balancedDefault, fillAllocatableAndRequested, isDefaultResources } from './scorers.ts';

export const NAME = 'NodeResourcesBalancedAllocation';

export function nodeResourcesBalancedAllocation(args: { resources?: ResourceSpec[] } = {}): Plugin {
  const resources = args.resources?.length ? args.resources : DEFAULT_RESOURCES;
  // Scratch arrays, reused: Score runs synchronously for every feasible node.
  const req = new Array<number>(resources.length).fill(0);
  const alloc = new Array<number>(resources.length).fill(0);
  const fast = isDefaultResources(resources);
  return {
    name: NAME,
    events: () => [{ resource: 'Pod', actions: ['Delete'] }, { resource: 'Node', actions: ['Add', 'Update'] }],
    preScore(_state, pod) {
      const r = pod.requests;
      const any = r.milliCPU > 0 || r.memory > 0 || r.ephemeralStorage > 0 || Object.values(r.scalar).some((v) => v > 0);
      return any ? null : skip(); // a best-effort pod changes no balance
    },
    score(_state, pod, node) {
      if (fast) return balancedDefault(node, pod.requests);
      for (let i = 0; i < resources.length; i++) {
        fillAllocatableAndRequested(node, pod.requests, resources[i].name, true, alloc, req, i);
      }
      return balanced(req, alloc);
    },
  };
}
