// The scheduler component: informers → cache and queue, the scheduling
// loop, and the API writes (pods/binding, pod status, events, deletes).
import { RESOURCES } from '../api/resources.ts';
import type { ResourceInfo } from '../api/resources.ts';
import type { Client } from '../client/rest.ts';
import { resourcePath } from '../client/rest.ts';
import { Informer, byNamespace } from '../client/informer.ts';
import { createRecorder } from '../client/events.ts';
import type { SchedulerConfig } from './framework/config.ts';
import type { Listers, SchedulerApi } from './framework/types.ts';
import { Scheduler } from './scheduler.ts';
import { inTreeRegistry } from './plugins/registry.ts';
import { wireEvents, wireNodes, wirePods } from './wiring.ts';
import { createEventQueue } from './event-queue.ts';

export { Scheduler } from './scheduler.ts';
export { loadSchedulerConfig } from './framework/config.ts';
export type { SchedulerConfig } from './framework/config.ts';
export { startExplainServer } from './explain-server.ts';
export type { ExplainedAttempt } from './explain.ts';

const res = (group: string, resource: string): ResourceInfo => RESOURCES.find((r) => r.group === group && r.resource === resource)!;
const PODS = res('', 'pods');

/** Resources watched besides pods and nodes, with the queue event name each one raises. */
const WATCHED: [string, string, string][] = [
  ['', 'namespaces', 'Namespace'], ['scheduling.k8s.io', 'priorityclasses', 'PriorityClass'],
  ['', 'persistentvolumeclaims', 'PersistentVolumeClaim'], ['', 'persistentvolumes', 'PersistentVolume'],
  ['storage.k8s.io', 'storageclasses', 'StorageClass'], ['policy', 'poddisruptionbudgets', 'PodDisruptionBudget'],
  ['', 'services', 'Service'], ['', 'replicationcontrollers', 'ReplicationController'],
  ['apps', 'replicasets', 'ReplicaSet'], ['apps', 'statefulsets', 'StatefulSet'],
];

export interface SchedulerComponent {
  scheduler: Scheduler;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSchedulerComponent(opts: { client: Client; config: SchedulerConfig; log?: (m: string, f?: Record<string, unknown>) => void }): SchedulerComponent {
  const { client, config } = opts;
  const log = opts.log ?? (() => {});
  const informers = new Map<string, Informer>();
  for (const [group, resource] of WATCHED) informers.set(resource, new Informer(client, res(group, resource), { log, indexers: { byNamespace } }));
  const pods = new Informer(client, PODS, { log });
  const nodes = new Informer(client, res('', 'nodes'), { log });
  const listers: Listers = {
    get: (resource, ns, name) => informers.get(resource)?.get(ns ? `${ns}/${name}` : name),
    list: (resource, ns) => {
      const inf = informers.get(resource);
      if (!inf) return [];
      return ns ? inf.byIndex('byNamespace', ns) : inf.list();
    },
  };
  const recorder = createRecorder(client, 'default-scheduler', { log });
  const asPod = (p: any) => ({ apiVersion: 'v1', kind: 'Pod', ...p });
  const events = createEventQueue<[any, 'Normal' | 'Warning', string, string]>(([obj, type, reason, message]) => recorder.event(asPod(obj), type, reason, message));
  const api: SchedulerApi = {
    async bind(pod, nodeName) {
      const { namespace, name } = pod.metadata;
      await client.request('POST', resourcePath(PODS, namespace, name, 'binding'), {
        apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
    },
    async patchPodStatus(pod, status) {
      await client.patch(PODS, pod.metadata.namespace, pod.metadata.name, { status }, { type: 'merge', subresource: 'status' });
    },
    async deletePod(pod) {
      await client.delete(PODS, pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } });
    },
    async patch(resource, ns, name, patch, subresource) {
      const info = RESOURCES.find((r) => r.resource === resource && (r.group === '' || resource !== 'events'));
      if (!info) throw new Error(`unknown resource ${resource}`);
      await client.patch(info, ns, name, patch, { type: 'merge', subresource });
    },
    event: (obj, type, reason, message) => {
      events.push([obj, type, reason, message]);
    },
  };
  const scheduler = new Scheduler({
    config, registry: inTreeRegistry(), api, listers, log,
    nsLabels: (ns) => informers.get('namespaces')!.get(ns)?.metadata?.labels,
  });
  wirePods(scheduler, pods, informers.get('priorityclasses'));
  wireNodes(scheduler, nodes);
  for (const [, resource, event] of WATCHED) wireEvents(scheduler, informers.get(resource)!, event);
  let loop: Promise<void> | null = null;
  const all = [...informers.values(), nodes, pods];
  return {
    scheduler,
    async start() {
      // Pods last: their priorities and the nodes they sit on should already be known.
      for (const inf of [...informers.values(), nodes]) inf.start();
      await Promise.all([...informers.values(), nodes].map((i) => i.waitForSync()));
      pods.start();
      await pods.waitForSync();
      loop = scheduler.run();
      log('scheduler started', { profiles: [...scheduler.frameworks.keys()], nodes: scheduler.cache.nodes().length });
    },
    async stop() {
      for (const inf of all) inf.stop();
      await scheduler.stop();
      await loop;
      events.stop();
    },
  };
}
