// NodePorts: a host port (ip, protocol, port) can be taken once per node;
// 0.0.0.0 collides with every address.
import type { Plugin } from '../../framework/types.ts';
import { unschedulable } from '../../framework/status.ts';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

export function nodePorts(): Plugin {
  return {
    name: NAME,
    events: () => [{ resource: 'Pod', actions: ['Delete'] }, { resource: 'Node', actions: ['Add', 'Update'] }],
    filter(_state, pod, node) {
      for (const p of pod.ports) if (node.portConflict(p.ip, p.protocol, p.port)) return unschedulable(ERR_REASON);
      return null;
    },
  };
}
