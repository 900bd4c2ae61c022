// NodeAffinity: nodeSelector and required node affinity (matchExpressions
// and matchFields) filter; preferred terms score by the sum of their weights.
// Args: addedAffinity, the scheduler-enforced affinity of a profile.
import type { Plugin } from '../../framework/types.ts';
import { unresolvable, skip } from '../../framework/status.ts';
import { matchesNodeSelectorTerm, matchesNodeSelectorTerms } from '../../framework/selectors.ts';
import { nodeMatcher } from '../../framework/node-matcher.ts';
import { defaultNormalizeScores } from '../../framework/helpers.ts';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";

/** Node names the required terms pin the pod to through matchFields metadata.name In, if every term does. */
function pinnedNodeNames(terms: any[] | undefined): Set<string> | undefined {
  if (!terms?.length) return undefined;
  const out = new Set<string>();
  for (const t of terms) {
    const f = (t.matchFields ?? []).find((r: any) => r.key === 'metadata.name' && r.operator === 'In');
    if (!f) return undefined;
    for (const v of f.values ?? []) out.add(v);
  }
  return out;
}

export function nodeAffinity(args: { addedAffinity?: any } = {}): Plugin {
  const added = args.addedAffinity;
  const preferred = (pod: any): any[] => [
    ...(added?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
  ];
  return {
    name: NAME,
    events: () => [{ resource: 'Node', actions: ['Add', 'Update'] }, { resource: 'Pod', actions: ['Update'] }],
    preFilter(_state, pod) {
      const spec = pod.pod.spec ?? {};
      const req = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      if (!added && !req && Object.keys(spec.nodeSelector ?? {}).length === 0) return { status: skip() };
      const names = pinnedNodeNames(req?.nodeSelectorTerms);
      if (names && names.size === 0) return { status: unresolvable(ERR_REASON_POD) };
      return { nodeNames: names };
    },
    filter(_state, pod, node) {
      if (!node.node) return unresolvable(ERR_REASON_POD);
      const enforced = added?.requiredDuringSchedulingIgnoredDuringExecution;
      if (enforced && !matchesNodeSelectorTerms(enforced.nodeSelectorTerms, node.node)) return unresolvable(ERR_REASON_ENFORCED);
      return nodeMatcher(pod.pod)(node.node) ? null : unresolvable(ERR_REASON_POD);
    },
    preScore(_state, pod) {
      return preferred(pod.pod).length ? null : skip();
    },
    score(_state, pod, node) {
      let sum = 0;
      for (const t of preferred(pod.pod)) {
        if (t.weight && t.preference && matchesNodeSelectorTerm(t.preference, node.node)) sum += t.weight;
      }
      return sum;
    },
    normalizeScores(_state, _pod, scores) {
      defaultNormalizeScores(scores, false);
    },
  };
}
