// InterPodAffinity: required pod affinity and anti-affinity (both the
// incoming pod's and existing pods'), and preferred terms as scores.
import type { StateData } from '../../framework/cycle-state.ts';
import type { Handle, Plugin } from '../../framework/types.ts';
import { MAX_NODE_SCORE } from '../../framework/types.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import type { AffinityTerm, PodInfo, WeightedAffinityTerm } from '../../framework/pod-info.ts';
import { termMatches } from '../../framework/pod-info.ts';
import { skip, unresolvable, unschedulable } from '../../framework/status.ts';
import type { FilterState} from './filter.ts';
import { ERR_AFFINITY, ERR_ANTI_AFFINITY, ERR_EXISTING_ANTI_AFFINITY, account, computeFilterState, termCandidates, satisfiesAffinity, satisfiesAntiAffinity, satisfiesExistingAntiAffinity } from './filter.ts';

export const NAME = 'InterPodAffinity';
const FILTER_KEY = `PreFilter${NAME}`;
const SCORE_KEY = `PreScore${NAME}`;

class ScoreState implements StateData {
  scores = new Map<string, Map<string, number>>();
  clone(): ScoreState {
    return this;
  }
  add(term: AffinityTerm, weight: number, node: any): void {
    const v = node?.metadata?.labels?.[term.topologyKey];
    if (v === undefined || weight === 0) return;
    let m = this.scores.get(term.topologyKey);
    if (!m) this.scores.set(term.topologyKey, (m = new Map()));
    m.set(v, (m.get(v) ?? 0) + weight);
  }
}

export interface InterPodAffinityArgs {
  hardPodAffinityWeight?: number;
  ignorePreferredTermsOfExistingPods?: boolean;
}

export function interPodAffinity(args: InterPodAffinityArgs, handle: Handle): Plugin {
  const hardWeight = args.hardPodAffinityWeight ?? 1;
  const ns = handle.nsLabels;
  return {
    name: NAME,
    events: () => [{ resource: 'Pod', actions: ['Add', 'Update', 'Delete'] }, { resource: 'Node', actions: ['Add', 'Update'] }],
    preFilter(state, pod) {
      const withAnti = handle.snapshot.havePodsWithRequiredAntiAffinity();
      if (pod.requiredAffinity.length + pod.requiredAntiAffinity.length === 0 && withAnti.length === 0) return { status: skip() };
      state.write(FILTER_KEY, computeFilterState(pod, handle.snapshot, withAnti, ns));
      return {};
    },
    addPod(state, _pod, toAdd, node) {
      const s = state.read<FilterState>(FILTER_KEY);
      if (s) account(s, toAdd, node, ns, 1);
      return null;
    },
    removePod(state, _pod, toRemove, node) {
      const s = state.read<FilterState>(FILTER_KEY);
      if (s) account(s, toRemove, node, ns, -1);
      return null;
    },
    filter(state, _pod, node) {
      const s = state.read<FilterState>(FILTER_KEY);
      if (!s) return null;
      if (!satisfiesAffinity(s, node.node, ns)) return unresolvable(ERR_AFFINITY);
      if (!satisfiesAntiAffinity(s, node.node)) return unschedulable(ERR_ANTI_AFFINITY);
      if (!satisfiesExistingAntiAffinity(s, node.node)) return unschedulable(ERR_EXISTING_ANTI_AFFINITY);
      return null;
    },
    preScore(state, pod) {
      const hasPreferred = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
      const withAffinity = handle.snapshot.havePodsWithAffinity();
      if (!hasPreferred && withAffinity.length === 0) return skip();
      const s = new ScoreState();
      // The incoming pod's preferred terms, over the pods the index offers for each.
      const own = (list: WeightedAffinityTerm[], sign: number) => {
        for (const t of list) {
          for (const e of termCandidates(t, handle.snapshot, ns)) {
            if (e.pi.uid !== pod.uid && termMatches(t, e.pi.pod, ns)) s.add(t, t.weight * sign, e.node.node);
          }
        }
      };
      own(pod.preferredAffinity, 1);
      own(pod.preferredAntiAffinity, -1);
      // Existing pods' terms about the incoming pod: only pods with affinity have any.
      const visit = (node: NodeInfo, existing: PodInfo) => {
        if (existing.uid === pod.uid) return;
        const n = node.node;
        const terms = (list: WeightedAffinityTerm[], sign: number) => {
          for (const t of list) if (termMatches(t, pod.pod, ns)) s.add(t, t.weight * sign, n);
        };
        if (hardWeight > 0) for (const t of existing.requiredAffinity) if (termMatches(t, pod.pod, ns)) s.add(t, hardWeight, n);
        if (!args.ignorePreferredTermsOfExistingPods) {
          terms(existing.preferredAffinity, 1);
          terms(existing.preferredAntiAffinity, -1);
        }
      };
      for (const node of withAffinity) for (const existing of node.podsWithAffinity) visit(node, existing);
      state.write(SCORE_KEY, s);
      return null;
    },
    score(state, _pod, node) {
      const s = state.read<ScoreState>(SCORE_KEY);
      if (!s) return 0;
      let sum = 0;
      const labels = node.node?.metadata?.labels ?? {};
      for (const [key, m] of s.scores) {
        const v = labels[key];
        if (v !== undefined) sum += m.get(v) ?? 0;
      }
      return sum;
    },
    normalizeScore(state, _pod, scores) {
      if (!state.read<ScoreState>(SCORE_KEY)) return;
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        min = Math.min(min, s.score);
        max = Math.max(max, s.score);
      }
      const diff = max - min;
      for (const s of scores) s.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((s.score - min) / diff)) : 0;
    },
  };
}
