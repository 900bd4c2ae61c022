// PodTopologySpread: hard constraints (DoNotSchedule) filter by skew, soft
// ones (ScheduleAnyway, and the cluster defaults) score nodes whose domains
// hold fewer matching pods higher.
import type { StateData } from '../../framework/cycle-state.ts';
import type { Handle, Plugin } from '../../framework/types.ts';
import { MAX_NODE_SCORE } from '../../framework/types.ts';
import { skip, unresolvable, unschedulable } from '../../framework/status.ts';
import type { Constraint } from './constraints.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { matchesSelector } from '../../framework/selectors.ts';
import { SYSTEM_DEFAULT_CONSTRAINTS, nodeCounts, nodeHasKeys, podConstraints } from './constraints.ts';
import type { SpreadState} from './filter.ts';
import { ERR_MISSING_LABEL, computeSpreadState, spreadFilter } from './filter.ts';

export const NAME = 'PodTopologySpread';
const FILTER_KEY = `PreFilter${NAME}`;
const SCORE_KEY = `PreScore${NAME}`;
const HOSTNAME = 'kubernetes.io/hostname';

class ScoreState implements StateData {
  constraints: Constraint[] = [];
  ignored = new Set<string>();
  counts: Map<string, number>[] = [];
  /** Hostname constraints: matching pods per node name. */
  hostCounts: Map<string, number>[] = [];
  weights: number[] = [];
  clone(): ScoreState {
    return this;
  }
}

export interface SpreadArgs {
  defaultConstraints?: any[];
  defaultingType?: 'System' | 'List';
}

export function podTopologySpread(args: SpreadArgs, handle: Handle): Plugin {
  const defaults = (args.defaultingType ?? 'System') === 'System' ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
  return {
    name: NAME,
    events: () => [{ resource: 'Pod', actions: ['Add', 'Update', 'Delete'] }, { resource: 'Node', actions: ['Add', 'Update', 'Delete'] }],
    preFilter(state, pod) {
      const cs = podConstraints(pod.pod, 'DoNotSchedule', defaults, handle.listers);
      if (cs.length === 0) return { status: skip() };
      state.write(FILTER_KEY, computeSpreadState(pod.pod, cs, handle.snapshot));
      return {};
    },
    addPod(state, pod, toAdd, node) {
      state.read<SpreadState>(FILTER_KEY)?.update(pod.pod, toAdd, node, 1);
      return null;
    },
    removePod(state, pod, toRemove, node) {
      state.read<SpreadState>(FILTER_KEY)?.update(pod.pod, toRemove, node, -1);
      return null;
    },
    filter(state, pod, node) {
      const s = state.read<SpreadState>(FILTER_KEY);
      if (!s) return null;
      const reason = spreadFilter(s, pod.pod, node.node);
      if (!reason) return null;
      return reason === ERR_MISSING_LABEL ? unresolvable(reason) : unschedulable(reason);
    },
    preScore(state, pod, filtered) {
      const cs = podConstraints(pod.pod, 'ScheduleAnyway', defaults, handle.listers);
      if (cs.length === 0) return skip();
      const s = new ScoreState();
      s.constraints = cs;
      const domains = cs.map(() => new Set<string>());
      for (const n of filtered) {
        if (!nodeHasKeys(n.node, cs)) {
          s.ignored.add(n.name);
          continue;
        }
        cs.forEach((c, i) => domains[i].add(n.node.metadata.labels[c.topologyKey]));
      }
      s.weights = cs.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? filtered.length - s.ignored.size : domains[i].size) + 2));
      s.counts = cs.map(() => new Map());
      s.hostCounts = cs.map(() => new Map());
      const ns = pod.pod.metadata?.namespace ?? 'default';
      cs.forEach((c, i) => {
        const host = c.topologyKey === HOSTNAME;
        // Whether a node counts for this constraint, decided once per node.
        const counts = new Map<NodeInfo, boolean>();
        for (const e of handle.snapshot.podCandidates(ns, c.selector)) {
          const n = e.node.node;
          if (!n || e.pi.pod.metadata.deletionTimestamp || !matchesSelector(c.selector, e.pi.pod.metadata.labels)) continue;
          if (host) {
            s.hostCounts[i].set(e.node.name, (s.hostCounts[i].get(e.node.name) ?? 0) + 1);
            continue;
          }
          let ok = counts.get(e.node);
          if (ok === undefined) counts.set(e.node, (ok = nodeHasKeys(n, cs) && nodeCounts(c, pod.pod, n)));
          const v = n.metadata.labels[c.topologyKey];
          if (ok && domains[i].has(v)) s.counts[i].set(v, (s.counts[i].get(v) ?? 0) + 1);
        }
      });
      state.write(SCORE_KEY, s);
      return null;
    },
    score(state, _pod, node) {
      const s = state.read<ScoreState>(SCORE_KEY);
      if (!s || s.ignored.has(node.name)) return 0;
      let score = 0;
      s.constraints.forEach((c, i) => {
        const v = node.node?.metadata?.labels?.[c.topologyKey];
        if (v === undefined) return;
        const cnt = c.topologyKey === HOSTNAME ? (s.hostCounts[i].get(node.name) ?? 0) : (s.counts[i].get(v) ?? 0);
        score += cnt * s.weights[i] + (c.maxSkew - 1);
      });
      return Math.round(score);
    },
    normalizeScore(state, _pod, scores) {
      const s = state.read<ScoreState>(SCORE_KEY);
      if (!s) return;
      let min = Infinity;
      let max = 0;
      for (const sc of scores) {
        if (s.ignored.has(sc.name)) continue;
        min = Math.min(min, sc.score);
        max = Math.max(max, sc.score);
      }
      for (const sc of scores) {
        if (s.ignored.has(sc.name)) sc.score = 0;
        else if (max === 0) sc.score = MAX_NODE_SCORE;
        else sc.score = Math.trunc((MAX_NODE_SCORE * (max + min - sc.score)) / max);
      }
    },
  };
}
