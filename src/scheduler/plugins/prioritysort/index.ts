// PrioritySort: higher priority first, then the pod that entered the queue first.
import type { Plugin, QueuedPodInfo } from '../../framework/types.ts';
import { podPriority } from '../../framework/pod-info.ts';

export const NAME = 'PrioritySort';

export function prioritySort(): Plugin {
  return {
    name: NAME,
    less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
      const pa = podPriority(a.pi.pod);
      const pb = podPriority(b.pi.pod);
      return pa > pb || (pa === pb && a.timestamp < b.timestamp);
    },
  };
}
