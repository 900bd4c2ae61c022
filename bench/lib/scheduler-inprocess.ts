// The scheduler benchmark's workloads in one process: the real Scheduler,
// fed through the real informer wiring from a fake API whose writes come
// back as watch events on the next turn of the event loop. No API server,
// so figures are the scheduling cycle's own cost (quiet-machine
// before/after comparisons; the end-to-end run is the benchmark itself).
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { loadSchedulerConfig } from '../../src/scheduler/framework/config.ts';
import { inTreeRegistry } from '../../src/scheduler/plugins/registry.ts';
import { wireNodes, wirePods } from '../../src/scheduler/wiring.ts';
import type { SchedulerApi } from '../../src/scheduler/framework/types.ts';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

export interface InProcessWorkload {
  init: number;
  initSpec: (i: number) => Record<string, unknown>;
  measured: number;
  spec: (i: number) => Record<string, unknown>;
  initUnschedulable?: boolean;
  churn?: { spec: (i: number) => Record<string, unknown>; intervalMs: number };
  cleanup?: boolean;
}

export interface InProcessResult {
  workload: string;
  podsPerSecond: number;
  /** Scheduler CPU (this process) over the measured phase, per measured pod. */
  cpuMsPerPod: number;
  attempts: number;
}

type Handlers = { add(o: any): void; update(o: any, n: any): void; delete(o: any): void };

/** A stand-in for an Informer: handlers, and a store that writes go through. */
class FakeInformer {
  handlers: Handlers[] = [];
  store = new Map<string, any>();
  on(h: Handlers): void {
    this.handlers.push(h);
  }
  get(key: string): any {
    return this.store.get(key);
  }
  list(): any[] {
    return [...this.store.values()];
  }
  put(key: string, obj: any): void {
    const old = this.store.get(key);
    this.store.set(key, obj);
    for (const h of this.handlers) {
      if (old) h.update(old, obj);
      else h.add(obj);
    }
  }
  remove(key: string): void {
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    for (const h of this.handlers) h.delete(old);
  }
}

const later = (fn: () => void) => setImmediate(fn);

/** A CPU profile of the measured phase only (the placement of existing pods left out). */
async function profiled<T>(dir: string | undefined, name: string, fn: () => Promise<T>): Promise<T> {
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

export async function runInProcess(o: { nodes: number; zones: number; schedulerName: string; workloads: [string, InProcessWorkload][]; log: (m: string) => void; profileDir?: string }): Promise<InProcessResult[]> {
  const pods = new FakeInformer();
  const nodes = new FakeInformer();
  const classes = new FakeInformer();
  classes.put('bench-low', { metadata: { name: 'bench-low' }, value: 0 });
  classes.put('bench-high', { metadata: { name: 'bench-high' }, value: 1000 });
  const boundAt = new Map<string, number>();
  // Bindings counted per "namespace/prefix" as they happen: polling
  // thousands of keys every 20 ms would cost this process (and so the
  // figures) more than some workloads' scheduling does.
  const groupOf = new Map<string, string>();
  const boundIn = new Map<string, number>();
  const key = (p: any) => `${p.metadata.namespace}/${p.metadata.name}`;
  const api: SchedulerApi = {
    async bind(p, nodeName) {
      later(() => {
        const cur = pods.get(key(p));
        if (!cur || cur.spec.nodeName) return;
        pods.put(key(p), { ...cur, metadata: { ...cur.metadata, resourceVersion: String(Date.now()) }, spec: { ...cur.spec, nodeName } });
        boundAt.set(key(p), performance.now());
        const g = groupOf.get(key(p));
        if (g) boundIn.set(g, (boundIn.get(g) ?? 0) + 1);
      });
    },
    async patchPodStatus(p, status) {
      later(() => {
        const cur = pods.get(key(p));
        if (cur) pods.put(key(p), { ...cur, status: { ...cur.status, ...status } });
      });
    },
    async deletePod(p) {
      later(() => pods.remove(key(p)));
    },
    async patch() {},
    event() {},
  };
  const yaml = `apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: ${o.schedulerName}\n`;
  const s = new Scheduler({
    config: loadSchedulerConfig(yaml), registry: inTreeRegistry(), api, nsLabels: () => ({}),
    listers: { get: () => undefined, list: () => [] },
  });
  wirePods(s, pods as any, classes as any);
  wireNodes(s, nodes as any);
  for (let i = 0; i < o.nodes; i++) {
    const name = `hollow-${i}`;
    const alloc = { cpu: '32', memory: '256Gi', pods: '110' };
    nodes.put(name, {
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % o.zones}` } },
      spec: {}, status: { allocatable: alloc, capacity: alloc, conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  const loop = s.run();
  let uid = 0;
  const create = (ns: string, prefix: string, count: number, spec: (i: number) => Record<string, unknown>, workload: string) => {
    for (let i = 0; i < count; i++) {
      const p = { metadata: { name: `${prefix}-${i}`, namespace: ns, uid: `u${++uid}`, labels: { workload }, creationTimestamp: new Date().toISOString() }, spec: { schedulerName: o.schedulerName, ...spec(i) }, status: {} };
      groupOf.set(key(p), `${ns}/${prefix}`);
      pods.put(key(p), p);
    }
  };
  const bound = (ns: string, prefix: string) => boundIn.get(`${ns}/${prefix}`) ?? 0;
  const waitFor = async (what: string, ok: () => boolean, ms: number) => {
    const end = performance.now() + ms;
    while (!ok()) {
      if (performance.now() > end) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const out: InProcessResult[] = [];
  for (const [name, w] of o.workloads) {
    const ns = name.toLowerCase();
    create(ns, 'init', w.init, w.initSpec, `${name}-init`);
    if (!w.initUnschedulable) await waitFor(`${name} existing`, () => bound(ns, 'init') === w.init, 600_000);
    else await new Promise((r) => setTimeout(r, 500));
    // Measured pods arrive while the loop is held, as the SIGSTOP in the end-to-end run.
    let churned = 0;
    const churnOne = () => create(ns, `churn-${churned++}`, 1, w.churn!.spec, `${name}-churn`);
    const churn = w.churn && setInterval(churnOne, w.churn.intervalMs);
    create(ns, 'm', w.measured, w.spec, name);
    const t0 = performance.now();
    const cycles0 = s.queue.schedulingCycle;
    const cpu0 = process.cpuUsage();
    try {
      await profiled(o.profileDir, name, () => waitFor(`${name} measured`, () => bound(ns, 'm') === w.measured, 600_000));
    } finally {
      if (churn) clearInterval(churn);
    }
    const cpu = process.cpuUsage(cpu0);
    let last = t0;
    for (let i = 0; i < w.measured; i++) last = Math.max(last, boundAt.get(`${ns}/m-${i}`)!);
    const rate = w.measured / ((last - t0) / 1000);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const attempts = s.queue.schedulingCycle - cycles0;
    out.push({ workload: name, podsPerSecond: rate, cpuMsPerPod: cpuMs / w.measured, attempts });
    let churnBound = 0;
    for (let i = 0; i < churned; i++) if (boundAt.has(`${ns}/churn-${i}-0`)) churnBound++;
    const churnNote = churn ? `, ${churned} churn pods, ${churnBound} bound` : '';
    o.log(`${name}: ${rate.toFixed(0)} pods/s in process (${attempts} attempts${churnNote}, ${cpuMs.toFixed(0)} ms CPU over ${(last - t0).toFixed(0)} ms)`);
    if (w.initUnschedulable || w.cleanup) {
      for (const p of pods.list()) if (p.metadata.namespace === ns) pods.remove(key(p));
    }
  }
  await s.stop();
  await loop;
  return out;
}
