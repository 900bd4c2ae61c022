// PodTopologySpread filtering (DoNotSchedule constraints): matching pods
// per topology domain over the eligible nodes, and the skew check.
import type { StateData } from '../../framework/cycle-state.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { matchesSelector } from '../../framework/selectors.ts';
import type { Constraint } from './constraints.ts';
import { nodeCounts, nodeHasKeys } from './constraints.ts';
import type { Snapshot } from '../../framework/types.ts';

export const ERR_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const ERR_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

export class SpreadState implements StateData {
  constraints: Constraint[];
  /** Per constraint: domain value → matching pods. */
  counts: Map<string, number>[];
  private mins: (number | undefined)[];
  /** Per constraint: whether the incoming pod matches its own selector (read for every node Filter sees). */
  private selfMatch: (0 | 1 | undefined)[];

  constructor(constraints: Constraint[]) {
    this.constraints = constraints;
    this.counts = constraints.map(() => new Map());
    this.mins = constraints.map(() => undefined);
    this.selfMatch = constraints.map(() => undefined);
  }

  self(i: number, pod: any): 0 | 1 {
    return (this.selfMatch[i] ??= matchesSelector(this.constraints[i].selector, pod.metadata?.labels) ? 1 : 0);
  }

  clone(): SpreadState {
    const c = new SpreadState(this.constraints);
    c.counts = this.counts.map((m) => new Map(m));
    c.mins = [...this.mins];
    c.selfMatch = [...this.selfMatch];
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

/** Whether the pod restricts nodes by nodeSelector or required node affinity (what nodeAffinityPolicy=Honor reads). */
export function hasNodeConstraints(pod: any): boolean {
  return Object.keys(pod.spec?.nodeSelector ?? {}).length > 0 || !!pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
}

/**
 * Matching pods per domain over the nodes that count (every node with all
 * the constraints' keys that passes the policies; each such domain is
 * present, even at zero). Pods come from the cache's label index, so the
 * cost is O(nodes + matching pods) and, when every node counts, O(domains +
 * matching pods).
 */
export function computeSpreadState(pod: any, constraints: Constraint[], snap: Snapshot): SpreadState {
  const s = new SpreadState(constraints);
  const ns = pod.metadata?.namespace ?? 'default';
  const numNodes = snap.nodes().length;
  const everyNode = constraints.every((c) => !c.honorTaints && (!c.honorAffinity || !hasNodeConstraints(pod))) &&
    constraints.every((c) => sum(snap.topologyValues(c.topologyKey)) === numNodes);
  // Per constraint, the nodes that count (null: all of them).
  const counted: (Set<NodeInfo> | null)[] = constraints.map(() => (everyNode ? null : new Set()));
  if (everyNode) {
    constraints.forEach((c, i) => {
      for (const v of snap.topologyValues(c.topologyKey).keys()) s.counts[i].set(v, 0);
    });
  } else {
    for (const node of snap.nodes()) {
      if (!nodeHasKeys(node.node, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!nodeCounts(c, pod, node.node)) return;
        const v = node.node.metadata.labels[c.topologyKey];
        if (!s.counts[i].has(v)) s.counts[i].set(v, 0);
        counted[i]!.add(node);
      });
    }
  }
  constraints.forEach((c, i) => {
    for (const e of snap.podCandidates(ns, c.selector)) {
      const n = e.node.node;
      if (!n || e.pi.pod.metadata.deletionTimestamp || !matchesSelector(c.selector, e.pi.pod.metadata.labels)) continue;
      if (counted[i] ? !counted[i]!.has(e.node) : !nodeHasKeys(n, constraints)) continue;
      const v = n.metadata.labels[c.topologyKey];
      s.counts[i].set(v, (s.counts[i].get(v) ?? 0) + 1);
    }
  });
  return s;
}

function sum(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

export function spreadFilter(s: SpreadState, pod: any, node: any): string | null {
  const labels = node?.metadata?.labels ?? {};
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i];
    const v = labels[c.topologyKey];
    if (v === undefined) return ERR_MISSING_LABEL;
    const self = s.self(i, pod);
    const skew = (s.counts[i].get(v) ?? 0) + self - s.min(i);
    if (skew > c.maxSkew) return ERR_CONSTRAINTS;
  }
  return null;
}
