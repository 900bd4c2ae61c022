// NodeResourcesFit: the node must have room for the pod's requests (cpu,
// memory, ephemeral storage, extended resources, pod count); scoring
// follows the profile's strategy: LeastAllocated (default), MostAllocated
// or RequestedToCapacityRatio.
import type { Plugin } from '../../framework/types.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { unschedulable } from '../../framework/status.ts';
import type { Status } from '../../framework/status.ts';
import type { ResourceSpec, Scorer, ShapePoint } from './scorers.ts';
import { DEFAULT_RESOURCES, fillAllocatableAndRequested, isDefaultResources, leastAllocated, leastAllocatedDefault, mostAllocated, requestedToCapacityRatio } from './scorers.ts';

export const NAME = 'NodeResourcesFit';

export interface FitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: {
    type?: 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape?: ShapePoint[] };
  };
}

/** The reasons the pod does not fit (empty when it fits). */
export function insufficientResources(pod: PodInfo, node: NodeInfo, ignored: (name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  if (node.pods.length + 1 > node.allocatable.allowedPodNumber) out.push('Too many pods');
  const req = pod.requests;
  const a = node.allocatable;
  const u = node.requested;
  // Runs for every node a pod is tried on: no allocation unless something is short.
  if (req.milliCPU > 0 && req.milliCPU > a.milliCPU - u.milliCPU) out.push('Insufficient cpu');
  if (req.memory > 0 && req.memory > a.memory - u.memory) out.push('Insufficient memory');
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > a.ephemeralStorage - u.ephemeralStorage) out.push('Insufficient ephemeral-storage');
  for (const name in req.scalar) {
    const v = req.scalar[name];
    if (v <= 0 || ignored(name)) continue;
    if (v > (a.scalar[name] ?? 0) - (u.scalar[name] ?? 0)) out.push(`Insufficient ${name}`);
  }
  return out;
}

const STANDARD_REASONS = ['Too many pods', 'Insufficient cpu', 'Insufficient memory', 'Insufficient ephemeral-storage'];

/**
 * For a pod asking for no extended resource: the reasons it does not fit as
 * bits of STANDARD_REASONS, in their order (0: it fits). Filter runs on every
 * node a pod is tried on, and a pod that fits nowhere (a preemptor) is tried
 * on all of them: no allocation here.
 */
function shortfall(pod: PodInfo, node: NodeInfo): number {
  const req = pod.requests;
  let bits = 0;
  if (node.podCount + 1 > node.allocPods) bits |= 1;
  if (req.milliCPU > 0 && req.milliCPU > node.allocMilliCPU - node.reqMilliCPU) bits |= 2;
  if (req.memory > 0 && req.memory > node.allocMemory - node.reqMemory) bits |= 4;
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > node.allocEphemeral - node.reqEphemeral) bits |= 8;
  return bits;
}

export function nodeResourcesFit(args: FitArgs = {}): Plugin {
  const ignoredNames = new Set(args.ignoredResources ?? []);
  const ignoredGroups = new Set(args.ignoredResourceGroups ?? []);
  const ignored = (name: string) => ignoredNames.has(name) || (name.includes('/') && ignoredGroups.has(name.split('/')[0]));
  const strategy = args.scoringStrategy ?? {};
  const resources = strategy.resources?.length ? strategy.resources.map((r) => ({ name: r.name, weight: r.weight || 1 })) : DEFAULT_RESOURCES;
  let scorer: Scorer;
  switch (strategy.type ?? 'LeastAllocated') {
    case 'LeastAllocated': scorer = leastAllocated; break;
    case 'MostAllocated': scorer = mostAllocated; break;
    case 'RequestedToCapacityRatio': {
      const shape = strategy.requestedToCapacityRatio?.shape;
      if (!shape?.length) throw new Error('NodeResourcesFit: requestedToCapacityRatio.shape is required');
      scorer = requestedToCapacityRatio(shape);
      break;
    }
    default: throw new Error(`NodeResourcesFit: scoring strategy "${strategy.type}" is not supported`);
  }
  const fast = scorer === leastAllocated && isDefaultResources(resources);
  const statuses = new Map<string, Status>();
  const byBits: Status[] = [];
  const req = new Array<number>(resources.length).fill(0);
  const alloc = new Array<number>(resources.length).fill(0);
  return {
    name: NAME,
    events: () => [{ resource: 'Pod', actions: ['Delete', 'Update'] }, { resource: 'Node', actions: ['Add', 'Update'] }],
    filter(_state, pod, node) {
      if (pod.standardOnly) {
        const bits = shortfall(pod, node);
        if (bits === 0) return null;
        return (byBits[bits] ??= unschedulable(...STANDARD_REASONS.filter((_, i) => bits & (1 << i))));
      }
      const reasons = insufficientResources(pod, node, ignored);
      if (reasons.length === 0) return null;
      // One Status per distinct set of reasons: a pod that fits nowhere is
      // rejected by thousands of nodes for the same few reasons.
      const key = reasons.join('\u0000');
      let s = statuses.get(key);
      if (!s) statuses.set(key, (s = unschedulable(...reasons)));
      return s;
    },
    score(_state, pod, node) {
      if (fast) return leastAllocatedDefault(node, pod.nonZero);
      // Scratch arrays, reused: Score runs synchronously for every feasible node.
      for (let i = 0; i < resources.length; i++) {
        fillAllocatableAndRequested(node, pod.nonZero, resources[i].name, false, alloc, req, i);
      }
      return scorer(req, alloc, resources);
    },
  };
}
