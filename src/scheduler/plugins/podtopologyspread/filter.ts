// PodTopologySpread filtering (DoNotSchedule constraints): matching pods
// per topology domain over the eligible nodes, and the skew check.
import type { StateData } from '../../framework/cycle-state.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { matchesSelector } from '../../framework/selectors.ts';
import type { Constraint } from './constraints.ts';
import { countMatching, nodeCounts, nodeHasKeys } from './constraints.ts';

export const ERR_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const ERR_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

export class SpreadState implements StateData {
  constraints: Constraint[];
  /** Per constraint: domain value → matching pods. */
  counts: Map<string, number>[];
  private mins: (number | undefined)[];

  constructor(constraints: Constraint[]) {
    this.constraints = constraints;
    this.counts = constraints.map(() => new Map());
    this.mins = constraints.map(() => undefined);
  }

  clone(): SpreadState {
    const c = new SpreadState(this.constraints);
    c.counts = this.counts.map((m) => new Map(m));
    c.mins = [...this.mins];
    return c;
  }

  /** The smallest count over the domains, or 0 while there are fewer than minDomains. */
  min(i: number): number {
    if (this.counts[i].size < this.constraints[i].minDomains) return 0;
    if (this.mins[i] === undefined) {
      let m = Infinity;
      for (const v of this.counts[i].values()) if (v < m) m = v;
      this.mins[i] = m === Infinity ? 0 : m;
    }
    return this.mins[i]!;
  }

  update(pod: any, other: PodInfo, node: NodeInfo, by: number): void {
    if (!nodeHasKeys(node.node, this.constraints)) return;
    const ns = pod.metadata?.namespace ?? 'default';
    if ((other.pod.metadata?.namespace ?? 'default') !== ns) return;
    this.constraints.forEach((c, i) => {
      if (!nodeCounts(c, pod, node.node) || !matchesSelector(c.selector, other.pod.metadata?.labels)) return;
      const v = node.node.metadata.labels[c.topologyKey];
      this.counts[i].set(v, (this.counts[i].get(v) ?? 0) + by);
      this.mins[i] = undefined;
    });
  }
}

export function computeSpreadState(pod: any, constraints: Constraint[], nodes: NodeInfo[]): SpreadState {
  const s = new SpreadState(constraints);
  const ns = pod.metadata?.namespace ?? 'default';
  for (const node of nodes) {
    if (!node.node || !nodeHasKeys(node.node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!nodeCounts(c, pod, node.node)) return;
      const v = node.node.metadata.labels[c.topologyKey];
      s.counts[i].set(v, (s.counts[i].get(v) ?? 0) + countMatching(node.pods, c.selector, ns));
    });
  }
  return s;
}

export function spreadFilter(s: SpreadState, pod: any, node: any): string | null {
  const labels = node?.metadata?.labels ?? {};
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i];
    const v = labels[c.topologyKey];
    if (v === undefined) return ERR_MISSING_LABEL;
    const self = matchesSelector(c.selector, pod.metadata?.labels) ? 1 : 0;
    const skew = (s.counts[i].get(v) ?? 0) + self - s.min(i);
    if (skew > c.maxSkew) return ERR_CONSTRAINTS;
  }
  return null;
}
