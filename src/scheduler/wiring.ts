// Feeds the scheduler from informers: unscheduled pods to the queue, bound
// pods and nodes to the cache, other changes as queue events. Pods whose
// priority admission did not resolve get it from their PriorityClass here.
import type { Informer } from '../client/informer.ts';
import type { Scheduler } from './scheduler.ts';

const TERMINAL = new Set(['Succeeded', 'Failed']);

function withPriority(pod: any, classes: Informer | undefined): any {
  if (typeof pod.spec?.priority === 'number' || !classes) return pod;
  const name = pod.spec?.priorityClassName;
  const pc = name ? classes.get(name) : classes.list().find((c) => c.globalDefault);
  if (!pc) return pod;
  return { ...pod, spec: { ...pod.spec, priority: pc.value ?? 0, preemptionPolicy: pod.spec?.preemptionPolicy ?? pc.preemptionPolicy ?? 'PreemptLowerPriority' } };
}

/** Fields of a Node whose change can make a pod fit (heartbeats are not among them). */
function nodeSignature(n: any): string {
  const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status;
  return JSON.stringify([n.metadata?.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable, n.status?.images, ready]);
}

export function wirePods(s: Scheduler, pods: Informer, classes?: Informer): void {
  const responsible = (p: any) => s.frameworkFor(p) !== undefined;
  const add = (raw: any) => {
    if (TERMINAL.has(raw.status?.phase)) return;
    const pod = withPriority(raw, classes);
    if (pod.spec?.nodeName) {
      s.queue.delete(pod);
      s.nominator.delete(pod.metadata.uid);
      s.cache.addPod(pod);
      s.clusterEvent({ resource: 'Pod', action: 'Add' });
    } else if (responsible(pod) && !pod.metadata.deletionTimestamp) {
      s.queue.add(pod);
    }
  };
  pods.on({
    add,
    update(oldRaw, raw) {
      const pod = withPriority(raw, classes);
      if (pod.spec?.nodeName) {
        if (TERMINAL.has(pod.status?.phase)) {
          s.cache.removePod(pod);
          s.clusterEvent({ resource: 'Pod', action: 'Delete' });
        } else if (!oldRaw.spec?.nodeName) add(raw);
        else s.cache.updatePod(pod);
        return;
      }
      if (!responsible(pod)) return;
      if (pod.metadata.deletionTimestamp) {
        s.queue.delete(pod);
        return;
      }
      s.queue.update(pod);
    },
    delete(pod) {
      if (pod.spec?.nodeName) {
        s.cache.removePod(pod);
        s.clusterEvent({ resource: 'Pod', action: 'Delete' });
      } else {
        s.queue.delete(pod);
        s.nominator.delete(pod.metadata.uid);
      }
    },
  });
}

export function wireNodes(s: Scheduler, nodes: Informer): void {
  nodes.on({
    add(n) {
      s.cache.addNode(n);
      s.clusterEvent({ resource: 'Node', action: 'Add' });
    },
    update(o, n) {
      s.cache.updateNode(n);
      if (nodeSignature(o) !== nodeSignature(n)) s.clusterEvent({ resource: 'Node', action: 'Update' });
    },
    delete(n) {
      s.cache.removeNode(n);
      s.clusterEvent({ resource: 'Node', action: 'Delete' });
    },
  });
}

/** Any other watched kind only matters as a queue event. */
export function wireEvents(s: Scheduler, inf: Informer, resource: string): void {
  inf.on({
    add: () => s.clusterEvent({ resource, action: 'Add' }),
    update: () => s.clusterEvent({ resource, action: 'Update' }),
    delete: () => s.clusterEvent({ resource, action: 'Delete' }),
  });
}
