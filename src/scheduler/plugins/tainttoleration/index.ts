// TaintToleration: NoSchedule/NoExecute taints a pod does not tolerate
// keep it off the node; untolerated PreferNoSchedule taints lower the
// node's score (fewer is better).
import type { Plugin } from '../../framework/types.ts';
import { unresolvable } from '../../framework/status.ts';
import type { Taint, Toleration } from '../../framework/selectors.ts';
import { findUntoleratedTaint, isTolerated } from '../../framework/selectors.ts';
import { defaultNormalizeScores } from '../../framework/helpers.ts';

export const NAME = 'TaintToleration';

export function untoleratedTaintReason(t: Taint): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
}

const filtered = (t: Taint) => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

export function taintToleration(): Plugin {
  return {
    name: NAME,
    events: () => [{ resource: 'Node', actions: ['Add', 'Update'] }, { resource: 'Pod', actions: ['Update'] }],
    filter(_state, pod, node) {
      const taints = node.taints;
      if (taints === null) return null;
      const taint = findUntoleratedTaint(taints, pod.pod.spec?.tolerations, filtered);
      return taint ? unresolvable(untoleratedTaintReason(taint)) : null;
    },
    score(_state, pod, node) {
      const taints = node.taints;
      if (taints === null) return 0;
      const tols: Toleration[] | undefined = pod.pod.spec?.tolerations;
      let n = 0;
      // Only tolerations for PreferNoSchedule (or any effect) count, as upstream's
      // getAllTolerationPreferNoSchedule: tolerates() already refuses another effect.
      for (let i = 0; i < taints.length; i++) {
        if (taints[i].effect === 'PreferNoSchedule' && !isTolerated(tols, taints[i])) n++;
      }
      return n;
    },
    normalizeScores(_state, _pod, scores) {
      defaultNormalizeScores(scores, true);
    },
  };
}
