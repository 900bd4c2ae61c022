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
 * Slot i of alloc and req: allocatable, and requested after placing the
 * pod, for one resource. An extended resource the pod does not ask for
 * gives 0 and 0, which skips it. No tuple: Score runs for every feasible node.
 */
export function fillAllocatableAndRequested(node: NodeInfo, podReq: Resource, name: string, useRequested: boolean, alloc: number[], req: number[], i: number): void {
  const p = pick(podReq, name);
  if (p === 0 && isScalar(name)) {
    alloc[i] = 0;
    req[i] = 0;
    return;
  }
  alloc[i] = pick(node.allocatable, name);
  req[i] = pick(useRequested ? node.requested : node.nonZeroRequested, name) + p;
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
  // Two passes instead of an array of fractions: this runs for every feasible node.
  let n = 0;
  let total = 0;
  let first = 0;
  let second = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    total += f;
    if (n === 0) first = f;
    else if (n === 1) second = f;
    n++;
  }
  let std = 0;
  if (n === 2) std = Math.abs((first - second) / 2);
  else if (n > 2) {
    const mean = total / n;
    let sq = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const f = Math.min(requested[i] / allocatable[i], 1);
      sq += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sq / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** Whether resources are the default cpu and memory, weight 1 each (the scorers below then apply). */
export function isDefaultResources(resources: ResourceSpec[]): boolean {
  return resources.length === 2 && resources[0].name === 'cpu' && resources[0].weight === 1 && resources[1].name === 'memory' && resources[1].weight === 1;
}

function leastOne(req: number, cap: number): number {
  return req > cap ? 0 : Math.trunc(((cap - req) * MAX_NODE_SCORE) / cap);
}

/**
 * leastAllocated over the default resources, read straight from the node
 * (no scratch arrays, no resource names compared): the same arithmetic, for
 * the default profile's Score, which runs for every feasible node.
 */
export function leastAllocatedDefault(node: NodeInfo, podNonZero: Resource): number {
  const ca = node.allocMilliCPU;
  const ma = node.allocMemory;
  let score = 0;
  let weights = 0;
  if (ca !== 0) {
    score += leastOne(node.nonZeroMilliCPU + podNonZero.milliCPU, ca);
    weights++;
  }
  if (ma !== 0) {
    score += leastOne(node.nonZeroMemory + podNonZero.memory, ma);
    weights++;
  }
  return weights === 0 ? 0 : Math.trunc(score / weights);
}

/** balanced over the default resources, read straight from the node (see leastAllocatedDefault). */
export function balancedDefault(node: NodeInfo, podReq: Resource): number {
  const ca = node.allocMilliCPU;
  const ma = node.allocMemory;
  if (ca === 0 || ma === 0) return MAX_NODE_SCORE; // one fraction or none: no spread
  const fc = Math.min((node.reqMilliCPU + podReq.milliCPU) / ca, 1);
  const fm = Math.min((node.reqMemory + podReq.memory) / ma, 1);
  return Math.trunc((1 - Math.abs((fc - fm) / 2)) * MAX_NODE_SCORE);
}
