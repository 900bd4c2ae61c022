// NodeName: a pod that names a node fits only that node.
import type { Plugin } from '../../framework/types.ts';
import { unresolvable } from '../../framework/status.ts';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

export function nodeName(): Plugin {
  return {
    name: NAME,
    events: () => [{ resource: 'Node', actions: ['Add'] }],
    filter(_state, pod, node) {
      const want = pod.pod.spec?.nodeName;
      return !want || want === node.name ? null : unresolvable(ERR_REASON);
    },
  };
}
