// Resource scoring functions shared by NodeResourcesFit and
// NodeResourcesBalancedAllocation (integer arithmetic as upstream's).
import type { NodeInfo } from '../../framework/node-info.ts';
import type { Resource } from '../../framework/resources.ts';
import { MAX_NODE_SCORE } from '../../framework/types.ts';

export interface ResourceSpec {
  name: string;
  weight: number;
}

export const DEFAULT_RESOURCES: ResourceSpec[] = [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }];

function pick(r: Resource, name: string): number {
  if (name === 'cpu') return r.milliCPU;
  if (name === 'memory') return r.memory;
  if (name === 'ephemeral-storage') return r.ephemeralStorage;
  return r.scalar[name] ?? 0;
}

const isScalar = (name: string) => name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage';

/**
 * [allocatable, requested-after-placing-the-pod] for one resource. An
 * extended resource the pod does not ask for gives [0, 0], which skips it.
 */
export function allocatableAndRequested(node: NodeInfo, podReq: Resource, name: string, useRequested: boolean): [number, number] {
  const p = pick(podReq, name);
  if (p === 0 && isScalar(name)) return [0, 0];
  const base = useRequested ? node.requested : node.nonZeroRequested;
  return [pick(node.allocatable, name), pick(base, name) + p];
}

export type Scorer = (requested: number[], allocatable: number[], resources: ResourceSpec[]) => number;

function weighted(per: (req: number, cap: number) => number): Scorer {
  return (requested, allocatable, resources) => {
    let score = 0;
    let weights = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      score += per(requested[i], allocatable[i]) * resources[i].weight;
      weights += resources[i].weight;
    }
    return weights === 0 ? 0 : Math.trunc(score / weights);
  };
}

export const leastAllocated: Scorer = weighted((req, cap) => (req > cap ? 0 : Math.trunc(((cap - req) * MAX_NODE_SCORE) / cap)));

export const mostAllocated: Scorer = weighted((req, cap) => Math.trunc((Math.min(req, cap) * MAX_NODE_SCORE) / cap));

export interface ShapePoint {
  utilization: number;
  score: number;
}

/** Piecewise-linear score of utilization (0-100); shape scores are 0-10 and scaled to 0-100. */
export function requestedToCapacityRatio(shape: ShapePoint[]): Scorer {
  const pts = shape.map((p) => ({ u: p.utilization, s: p.score * (MAX_NODE_SCORE / 10) }));
  const f = (u: number): number => {
    for (let i = 0; i < pts.length; i++) {
      if (u <= pts[i].u) {
        if (i === 0) return pts[0].s;
        return pts[i - 1].s + Math.trunc(((pts[i].s - pts[i - 1].s) * (u - pts[i - 1].u)) / (pts[i].u - pts[i - 1].u));
      }
    }
    return pts[pts.length - 1].s;
  };
  return (requested, allocatable, resources) => {
    let score = 0;
    let weights = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const s = f(Math.trunc((Math.min(requested[i], allocatable[i]) * 100) / allocatable[i]));
      if (s > 0) {
        score += s * resources[i].weight;
        weights += resources[i].weight;
      }
    }
    return weights === 0 ? 0 : Math.round(score / weights);
  };
}

export function balanced(requested: number[], allocatable: number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0] - fractions[1]) / 2);
  else if (fractions.length > 2) {
    const mean = total / fractions.length;
    std = Math.sqrt(fractions.reduce((s, f) => s + (f - mean) * (f - mean), 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}
