// NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods that
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint.
import type { Plugin } from '../../framework/types.ts';
import { unresolvable } from '../../framework/status.ts';
import { isTolerated } from '../../framework/selectors.ts';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const ERR_REASON_UNKNOWN = 'node(s) had unknown conditions';
const TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function nodeUnschedulable(): Plugin {
  return {
    name: NAME,
    events: () => [{ resource: 'Node', actions: ['Add', 'Update'] }],
    filter(_state, pod, node) {
      if (!node.node) return unresolvable(ERR_REASON_UNKNOWN);
      if (!node.unschedulable) return null;
      return isTolerated(pod.pod.spec?.tolerations, TAINT) ? null : unresolvable(ERR_REASON_UNSCHEDULABLE);
    },
  };
}
