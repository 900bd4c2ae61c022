// Builders for tests: nodes, pods and an in-memory scheduler with a fake API.
import { Scheduler } from './scheduler.ts';
import { loadSchedulerConfig } from './framework/config.ts';
import { inTreeRegistry } from './plugins/registry.ts';
import type { Listers, SchedulerApi } from './framework/types.ts';

let uid = 0;

export function node(name: string, o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: any[]; unschedulable?: boolean; images?: any[]; extra?: Record<string, string> } = {}): any {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...o.extra };
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: alloc, capacity: alloc, images: o.images },
  };
}

export function pod(name: string, o: { cpu?: string; memory?: string; labels?: Record<string, string>; namespace?: string; nodeName?: string; spec?: any; priority?: number; extra?: Record<string, string> } = {}): any {
  const requests: Record<string, string> = { ...o.extra };
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}-${++uid}`, labels: o.labels ?? {}, creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { nodeName: o.nodeName, priority: o.priority, containers: [{ name: 'c', image: 'img', resources: { requests } }], ...o.spec },
    status: {},
  };
}

export interface FakeApi extends SchedulerApi {
  binds: Map<string, string>;
  events: { reason: string; message: string; pod: string }[];
  statuses: { pod: string; status: any }[];
  deleted: string[];
}

export function fakeApi(): FakeApi {
  const api: FakeApi = {
    binds: new Map(), events: [], statuses: [], deleted: [],
    async bind(p, n) { api.binds.set(p.metadata.name, n); },
    async patchPodStatus(p, s) { api.statuses.push({ pod: p.metadata.name, status: s }); },
    async deletePod(p) { api.deleted.push(p.metadata.name); },
    async patch() {},
    event(o, _t, reason, message) { api.events.push({ reason, message, pod: o.metadata.name }); },
  };
  return api;
}

export function emptyListers(objs: Record<string, any[]> = {}): Listers {
  return {
    get: (r, ns, name) => (objs[r] ?? []).find((o) => o.metadata.name === name && (!ns || o.metadata.namespace === ns)),
    list: (r, ns) => (objs[r] ?? []).filter((o) => !ns || o.metadata.namespace === ns),
  };
}

/** A scheduler over the given nodes and bound pods, with a fake API. */
export function testScheduler(nodes: any[], bound: any[] = [], o: { configYaml?: string; listers?: Listers; nsLabels?: Record<string, Record<string, string>> } = {}) {
  const api = fakeApi();
  const s = new Scheduler({
    config: loadSchedulerConfig(o.configYaml), registry: inTreeRegistry(), api, listers: o.listers ?? emptyListers(),
    nsLabels: (ns) => o.nsLabels?.[ns] ?? {},
    // Deterministic tie-breaks: always keep the first of equal scores.
    random: () => 0.99,
  });
  for (const n of nodes) s.cache.addNode(n);
  for (const p of bound) s.cache.addPod(p);
  /** Queues the pod and runs one cycle; resolves once its binding finished. */
  const schedule = async (p: any) => {
    s.queue.add(p);
    const q = await s.queue.pop();
    await s.scheduleOne(q!);
    await new Promise((res) => setImmediate(res));
    const node = api.binds.get(p.metadata.name);
    if (node) s.cache.addPod({ ...p, spec: { ...p.spec, nodeName: node } });
    return { node, record: s.records.explain(p.metadata.namespace, p.metadata.name)!, events: api.events.filter((e) => e.pod === p.metadata.name) };
  };
  return { s, api, schedule };
}
