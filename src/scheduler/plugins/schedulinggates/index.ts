// SchedulingGates: a pod with spec.schedulingGates waits outside the active
// queue until every gate is removed (which is a pod update).
import type { Plugin } from '../../framework/types.ts';
import { unresolvable } from '../../framework/status.ts';

export const NAME = 'SchedulingGates';

export function schedulingGates(): Plugin {
  return {
    name: NAME,
    events: () => [{ resource: 'Pod', actions: ['Update'] }],
    preEnqueue(pod) {
      const gates: any[] = pod.spec?.schedulingGates ?? [];
      if (gates.length === 0) return null;
      return unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
    },
  };
}
