// The scheduler benchmark, shaped like upstream's scheduler_perf workloads,
// end to end: a real `k8ts server`, hollow nodes, and a `k8ts scheduler`
// process with a profile of its own. Each workload first places its
// "existing" pods; then the scheduler is paused (SIGSTOP), the measured pods
// are created, the scheduler resumes (SIGCONT), and the rate is measured
// pods / (last binding seen by a watch − resume), binding writes included.
//
//   npm run bench:scheduler [-- --nodes 5000] [--scale 1] [--workloads SchedulingBasic,…]
//   [--in-process]: the same workloads on the real Scheduler with a fake API
//   (no server; the scheduling cycle's own cost, for before/after profiles;
//   --profile-dir D writes a CPU profile of each measured phase to D)
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster, destroyCluster, killGroup, writeTemp, K8TS } from '../test/support/cluster.ts';
import { adminClient } from '../test/support/http.ts';
import { until } from '../test/support/wait.ts';
import { pool } from './lib/measure.ts';
import { machine } from './lib/report.ts';
import { runInProcess } from './lib/scheduler-inprocess.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    scale: { type: 'string', default: '1' },
    workloads: { type: 'string', default: 'SchedulingBasic,NodeAffinity,TopologySpreading,PodAntiAffinity,PreemptionAsync,Unschedulable' },
    out: { type: 'string', default: 'bench/results/scheduler.json' },
    'in-process': { type: 'boolean', default: false },
    /**
     * In process: a CPU profile of each workload's measured phase. End to end:
     * whole-run CPU profiles of the API server and the scheduler process.
     */
    'profile-dir': { type: 'string' },
  },
});
const NODES = Number(values.nodes);
const scale = Number(values.scale);
const n = (x: number) => Math.max(1, Math.round(x * scale));
const SCHEDULER = 'bench-scheduler';
const ZONES = 10;
const log = (m: string) => process.stderr.write(`${m}\n`);

/** Upstream's CI floors (pods/s) for the same workloads. */
const FLOORS: Record<string, number> = { SchedulingBasic: 270, NodeAffinity: 220, TopologySpreading: 85, PodAntiAffinity: 60, PreemptionAsync: 160, Unschedulable: 140 };

type PodSpec = (i: number) => Record<string, unknown>;
interface Workload {
  init: number;
  initSpec: PodSpec;
  measured: number;
  spec: PodSpec;
  initUnschedulable?: boolean;
  /** Pods created every intervalMs from the measured pods' creation to the end (upstream's `churn` op, mode create); not measured. */
  churn?: { spec: PodSpec; intervalMs: number };
  /** Delete the namespace's pods afterwards (they fill nodes or stay pending). */
  cleanup?: boolean;
}

const container = (cpu = '100m', memory = '100Mi') => [{ name: 'c', image: 'registry.local/pause:1', resources: { requests: { cpu, memory } } }];
const plain: PodSpec = () => ({ containers: container() });
const ALL_ZONES = Array.from({ length: ZONES }, (_, i) => `zone-${i}`);
const withNodeAffinity: PodSpec = () => ({
  containers: container(),
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ALL_ZONES }] }] } } },
});
// Victims go at once, as upstream's pod-low-priority.yaml (terminationGracePeriodSeconds: 0).
const lowPriority: PodSpec = () => ({ priorityClassName: 'bench-low', terminationGracePeriodSeconds: 0, containers: container('7200m', '500Mi') });
const highPriority: PodSpec = () => ({ priorityClassName: 'bench-high', containers: container('24', '500Mi') });

const WORKLOADS: Record<string, Workload> = {
  SchedulingBasic: { init: n(1000), initSpec: plain, measured: n(10000), spec: plain },
  // As upstream's SchedulingNodeAffinity/5000Nodes_10000Pods: existing and
  // measured pods alike carry a required affinity that every node satisfies
  // (upstream labels all nodes zone1 and asks for zone1 or zone2).
  NodeAffinity: { init: n(5000), initSpec: withNodeAffinity, measured: n(10000), spec: withNodeAffinity },
  TopologySpreading: {
    init: n(1000), initSpec: plain, measured: n(5000),
    spec: () => ({ containers: container(), topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { workload: 'TopologySpreading' } } }] }),
  },
  // Cleaned up afterwards: every later pod would check itself against these
  // pods' required anti-affinity (upstream runs each workload on a cluster of its own).
  PodAntiAffinity: {
    init: n(1000), initSpec: plain, measured: n(1000), cleanup: true,
    spec: () => ({ containers: container(), affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { workload: 'PodAntiAffinity' } }, topologyKey: 'kubernetes.io/hostname' }] } } }),
  },
  // Upstream's PreemptionAsync/5000Nodes: four low-priority pods per node
  // fill 90% of it, a high-priority pod that must preempt three of them is
  // created every 200 ms, and the measured pods are plain ones that always
  // fit (the rate says how little preemption holds up other pods). Upstream's
  // 4-CPU nodes scaled to our 32: 900m → 7.2, 3 → 24.
  PreemptionAsync: {
    init: 4 * NODES, initSpec: lowPriority, measured: n(5000), spec: plain,
    churn: { spec: highPriority, intervalMs: 200 }, cleanup: true,
  },
  // Upstream's PreemptionBasic (not in the default list): every measured pod preempts.
  PreemptionBasic: { init: 4 * NODES, initSpec: lowPriority, measured: n(500), spec: highPriority, cleanup: true },
  Unschedulable: {
    init: n(1000), initSpec: () => ({ containers: container('1000') }), initUnschedulable: true,
    measured: n(5000), spec: plain, cleanup: true,
  },
};

const TICK_US = 1e6 / 100; // USER_HZ: /proc's CPU times are in 1/100 s on Linux

/** user+system CPU (µs) per component: each root's whole process tree, named by its k8ts subcommand. */
function cpuByComponent(roots: Record<string, number>): Record<string, number> {
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(d);
      parent.set(pid, Number(f[1]));
      cpu.set(pid, (Number(f[11]) + Number(f[12])) * TICK_US);
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      const main = argv.findIndex((a) => a.endsWith('main.ts'));
      cmd.set(pid, main >= 0 ? argv[main + 1] ?? '' : argv[0]);
    } catch { /* the process went away */ }
  }
  const out: Record<string, number> = {};
  for (const [name, root] of Object.entries(roots)) {
    for (const pid of cpu.keys()) {
      let p: number | undefined = pid;
      while (p && p !== root && p > 1) p = parent.get(p);
      if (p !== root) continue;
      const key = pid === root ? name : `${name}/${cmd.get(pid)}`;
      out[key] = (out[key] ?? 0) + cpu.get(pid)!;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const profileDir = values['profile-dir'] ? resolve(values['profile-dir']) : undefined;
  const baseOptions = process.env.NODE_OPTIONS ?? '';
  const profiling = profileDir ? `${baseOptions} --cpu-prof --cpu-prof-dir=${profileDir}`.trim() : baseOptions;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  // The server inherits this environment (and so its profiler flags).
  process.env.NODE_OPTIONS = profiling;
  // As upstream's scheduler_perf: the API server and the scheduler under test,
  // no second scheduler and no controller manager watching every pod.
  const c = await startCluster({ extraArgs: ['--disable-scheduler', '--disable-controller-manager'] });
  process.env.NODE_OPTIONS = baseOptions;
  const http = adminClient(c.kubeconfig);
  const children: ChildProcess[] = [];
  // Interrupted (Ctrl-C, a timeout): take the detached hollow nodes and scheduler down too.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const ch of children) killGroup(ch);
      void c.stop('SIGKILL').finally(() => process.exit(130));
    });
  }
  const results: Record<string, unknown>[] = [];
  try {
    log(`starting ${NODES} hollow nodes`);
    const hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', String(NODES), '--cpu', '32', '--zones', String(ZONES)], { stdio: 'ignore', detached: true, env: { ...process.env, K8TS_LOG: 'quiet' } });
    children.push(hollow);
    await until(`${NODES} Ready nodes`, 600_000, async () => {
      const list = JSON.parse((await http.call('GET', '/api/v1/nodes')).body);
      return list.items.filter((x: any) => x.status?.conditions?.some((y: any) => y.type === 'Ready' && y.status === 'True')).length >= NODES;
    }, 2000);
    const cfg = writeTemp('bench-scheduler.yaml', `apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: ${SCHEDULER}\n`);
    // Profiled, the scheduler exits on SIGUSR2 at once (process.exit writes the
    // profile); a SIGTERM waits for its event loop to drain, which may not come.
    const exitOnUsr2 = profileDir ? ' --import=data:text/javascript,process.on(`SIGUSR2`,()=>process.exit(0))' : '';
    const sched = spawn(K8TS, ['scheduler', '--kubeconfig', c.kubeconfig, '--leader-elect=false', '--scheduler-config', cfg, '--explain-port', '0'], { stdio: 'ignore', detached: true, env: { ...process.env, NODE_OPTIONS: profiling + exitOnUsr2, K8TS_LOG: 'quiet' } });
    children.push(sched);

    for (const [name, value] of [['bench-low', 0], ['bench-high', 1000]] as const) {
      await http.call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value }));
    }
    // Binding times, as a watch on all pods sees them.
    const boundAt = new Map<string, number>();
    const close = await http.watch('/api/v1/pods?watch=1', (ev) => {
      const p = ev.object;
      if (p?.spec?.nodeName && !boundAt.has(`${p.metadata.namespace}/${p.metadata.name}`)) boundAt.set(`${p.metadata.namespace}/${p.metadata.name}`, performance.now());
    });
    const create = async (ns: string, prefix: string, count: number, spec: PodSpec, workload: string) => {
      await pool(count, 64, async (i) => {
        const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${prefix}-${i}`, labels: { workload } }, spec: { schedulerName: SCHEDULER, ...spec(i) } });
        for (let attempt = 0; ; attempt++) {
          const r = await http.call('POST', `/api/v1/namespaces/${ns}/pods`, body);
          if (r.status < 300 || r.status === 409) return;
          if (attempt > 5) throw new Error(`creating ${prefix}-${i}: ${r.status} ${r.body}`);
        }
      });
    };
    const boundCount = (ns: string, prefix: string, count: number) => {
      let k = 0;
      for (let i = 0; i < count; i++) if (boundAt.has(`${ns}/${prefix}-${i}`)) k++;
      return k;
    };

    for (const name of values.workloads!.split(',')) {
      const w = WORKLOADS[name];
      if (!w) throw new Error(`unknown workload ${name}`);
      const ns = name.toLowerCase();
      await http.call('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
      // Pods need their namespace's default ServiceAccount, which the (absent) controller manager would make.
      await http.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }));
      log(`${name}: ${w.init} existing pods`);
      await create(ns, 'init', w.init, w.initSpec, `${name}-init`);
      if (!w.initUnschedulable) await until(`${name}: existing pods bound`, 900_000, async () => boundCount(ns, 'init', w.init) === w.init, 500);
      else await new Promise((r) => setTimeout(r, 3000));
      log(`${name}: ${w.measured} measured pods`);
      let churned = 0;
      const churn = w.churn && setInterval(() => {
        const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `churn-${churned++}`, labels: { workload: `${name}-churn` } }, spec: { schedulerName: SCHEDULER, ...w.churn!.spec(churned) } });
        http.call('POST', `/api/v1/namespaces/${ns}/pods`, body).catch((err) => log(`churn: ${String(err)}`));
      }, w.churn.intervalMs);
      process.kill(sched.pid!, 'SIGSTOP');
      await create(ns, 'm', w.measured, w.spec, name);
      const roots = { server: c.process.pid!, scheduler: sched.pid!, hollow: hollow.pid! };
      const cpu0 = cpuByComponent(roots);
      const self0 = process.cpuUsage();
      const resumed = performance.now();
      process.kill(sched.pid!, 'SIGCONT');
      try {
        await until(`${name}: measured pods bound`, 900_000, async () => boundCount(ns, 'm', w.measured) === w.measured, 200);
      } finally {
        if (churn) clearInterval(churn);
      }
      const cpu1 = cpuByComponent(roots);
      const self1 = process.cpuUsage(self0);
      const phaseS = (performance.now() - resumed) / 1000;
      cpu1.bench = self1.user + self1.system;
      // CPU per measured pod over the phase (resume → all bound, as the poll saw it), per process.
      const cpuUsPerPod = Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, Math.round((v - (cpu0[k] ?? 0)) / w.measured)]));
      const busy = Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, Number(((v - (cpu0[k] ?? 0)) / 1e6 / phaseS).toFixed(2))]));
      log(`${name}: CPU µs/pod ${JSON.stringify(cpuUsPerPod)}; cores busy over ${phaseS.toFixed(1)} s ${JSON.stringify(busy)}`);
      if (churn) log(`${name}: ${churned} churn pods created, ${boundCount(ns, 'churn', churned)} bound`);
      let last = resumed;
      for (let i = 0; i < w.measured; i++) last = Math.max(last, boundAt.get(`${ns}/m-${i}`)!);
      const rate = w.measured / ((last - resumed) / 1000);
      // The measured phase on the monotonic clock that CPU profiles use (µs), to cut profiles to it.
      const mono = (t: number) => Math.round((Number(process.hrtime.bigint() / 1000n) - (performance.now() - t) * 1000));
      const floor = FLOORS[name];
      results.push({ workload: name, nodes: NODES, existing: w.init, measured: w.measured, churned, podsPerSecond: rate, floor, ratioToFloor: floor ? rate / floor : undefined, cpuUsPerPod, monotonicUs: [mono(resumed), mono(last)] });
      log(`${name}: ${rate.toFixed(0)} pods/s${floor ? ` (${(rate / floor).toFixed(1)}x upstream's floor of ${floor})` : ''}`);
      if (w.cleanup) {
        // Leave no pending or node-filling pods for the next workload.
        await http.call('DELETE', `/api/v1/namespaces/${ns}/pods?gracePeriodSeconds=0`);
      }
    }
    close();
    if (profileDir) {
      // A clean exit, so that the scheduler writes its profile.
      const exited = new Promise((r) => sched.once('exit', r));
      sched.kill('SIGUSR2');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
    }
  } finally {
    for (const ch of children) killGroup(ch);
    http.close();
    await destroyCluster(c);
  }
  const rows = results.map((r: any) => `${String(r.workload).padEnd(18)} ${r.podsPerSecond.toFixed(0).padStart(7)} pods/s   floor ${String(r.floor ?? '-').padStart(4)}   ${r.ratioToFloor ? `${r.ratioToFloor.toFixed(1)}x` : ''}`);
  process.stdout.write(`\nscheduler benchmark (${NODES} hollow nodes, scale ${scale})\n${rows.join('\n')}\n`);
  const out = resolve(values.out!);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ machine: machine(), nodes: NODES, scale, results }, null, 2));
}

async function inProcess(): Promise<void> {
  const workloads = values.workloads!.split(',').map((name) => {
    if (!WORKLOADS[name]) throw new Error(`unknown workload ${name}`);
    return [name, WORKLOADS[name]] as [string, Workload];
  });
  const results = await runInProcess({ nodes: NODES, zones: ZONES, schedulerName: SCHEDULER, workloads, log, profileDir: values['profile-dir'] });
  const rows = results.map((r) => `${r.workload.padEnd(18)} ${r.podsPerSecond.toFixed(0).padStart(7)} pods/s   ${(r.cpuMsPerPod * 1000).toFixed(0).padStart(6)} µs CPU/pod   floor ${String(FLOORS[r.workload] ?? '-').padStart(4)}`);
  process.stdout.write(`\nscheduler in process (${NODES} nodes, scale ${scale}, fake API)\n${rows.join('\n')}\n`);
}

(values['in-process'] ? inProcess() : main()).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
