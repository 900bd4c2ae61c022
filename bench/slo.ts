// The SLO harness (in the spirit of ClusterLoader2): starts `k8ts server`
// and `k8ts hollow`, creates namespaces, Deployments and Services at a
// configured rate, and measures from the client side: API call latency
// per verb and resource, and pod startup latency (create to Running, seen
// by watch). It samples RSS and CPU of every process and writes a JSON
// report beside a table of the upstream SLOs.
//
//   npm run bench:slo -- --nodes 100 --pods 1000 [--qps 20] [--bound]
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '../src/client/rest.ts';
import { loadKubeconfig } from '../src/client/kubeconfig.ts';
import { RESOURCES } from '../src/api/resources.ts';
import { freePort, K8TS } from '../test/support/cluster.ts';

const find = (g: string, r: string) => RESOURCES.find((x) => x.group === g && x.resource === r)!;
const NS = find('', 'namespaces');
const DEP = find('apps', 'deployments');
const SVC = find('', 'services');
const PODS = find('', 'pods');

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' }, pods: { type: 'string', default: '1000' }, qps: { type: 'string', default: '20' },
    'pods-per-deployment': { type: 'string', default: '10' }, bound: { type: 'boolean', default: false }, out: { type: 'string', default: 'bench/results/slo.json' },
    // Writes a V8 CPU profile of every k8ts process (server, controller manager, scheduler, hollow) into this directory.
    'cpu-prof': { type: 'string' },
  },
});
const nodes = Number(values.nodes);
const totalPods = Number(values.pods);
const perDep = Number(values['pods-per-deployment']);
const qps = Number(values.qps);

const latencies = new Map<string, number[]>();
async function timed<T>(verb: string, resource: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    const k = `${verb} ${resource}`;
    if (!latencies.has(k)) latencies.set(k, []);
    latencies.get(k)!.push(performance.now() - t0);
  }
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

function sample(pid: number, prev: { t: number; ticks: number } | undefined): { rssMiB: number; cpu: number; t: number; ticks: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096 / 2 ** 20;
  const t = Date.now();
  const cpu = prev ? (ticks - prev.ticks) / 100 / ((t - prev.t) / 1000) : 0;
  return { rssMiB: rss, cpu, t, ticks };
}

/** Every component's client request counts (src/client/request-stats.ts), summed per component. */
function readCounts(dir: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const f of readdirSync(dir)) {
    const component = f.replace(/-\d+\.json$/, '');
    let counts: Record<string, number>;
    try { counts = JSON.parse(readFileSync(join(dir, f), 'utf8')); } catch { continue; }
    const into = (out[component] ??= {});
    for (const [k, n] of Object.entries(counts)) into[k] = (into[k] ?? 0) + n;
  }
  return out;
}

function perPod(before: Record<string, Record<string, number>>, after: Record<string, Record<string, number>>, pods: number): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [component, counts] of Object.entries(after)) {
    for (const [k, n] of Object.entries(counts)) {
      const d = n - (before[component]?.[k] ?? 0);
      if (d / pods >= 0.0005) (out[component] ??= {})[k] = Number((d / pods).toFixed(3));
    }
  }
  return out;
}

/** Stopped if the harness fails, so that no server outlives it. */
const children: ReturnType<typeof spawn>[] = [];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-slo-'));
  const statsDir = join(dir, 'client-stats');
  mkdirSync(statsDir);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, K8TS_LOG: 'quiet', K8TS_CLIENT_STATS_DIR: statsDir };
  if (values['cpu-prof']) childEnv.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${resolve(values['cpu-prof'])}`;
  const port = await freePort();
  const server = spawn(K8TS, ['server', '--data-dir', dir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--disable-agent'], { stdio: 'ignore', env: childEnv });
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  children.push(server);
  // A busy machine can take a while to start the server.
  for (let i = 0; i < 1200; i++) {
    try { readFileSync(kubeconfig); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  const client = new Client({ ...loadKubeconfig(kubeconfig, 'k8ts-slo'), timeoutMs: 60_000 });
  const hollow = spawn(K8TS, ['hollow', '--kubeconfig', kubeconfig, '--nodes', String(nodes)], { stdio: 'ignore', env: childEnv });
  children.push(hollow);
  const procs: Record<string, number> = { server: server.pid!, hollow: hollow.pid! };
  const samples: Record<string, { rssMiB: number; cpu: number }[]> = { server: [], hollow: [], 'controller-manager': [], scheduler: [] };
  const last: Record<string, { t: number; ticks: number }> = {};
  const sampler = setInterval(() => {
    // The server's components are its children; find them by their command line.
    for (const name of ['controller-manager', 'scheduler']) {
      if (procs[name]) continue;
      try {
        for (const child of readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
          if (readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').includes(name)) procs[name] = Number(child);
        }
      } catch { /* not started yet */ }
    }
    for (const [name, pid] of Object.entries(procs)) {
      try {
        const s = sample(pid, last[name]);
        last[name] = s;
        samples[name].push({ rssMiB: s.rssMiB, cpu: s.cpu });
      } catch { /* the process has exited */ }
    }
  }, 1000);

  // Wait for the nodes.
  const tNodes = Date.now();
  for (;;) {
    const list = await client.list(find('', 'nodes'));
    if (list.items.filter((n: any) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length >= nodes) break;
    if (Date.now() - tNodes > 600_000) throw new Error('nodes did not become Ready in 10 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
  const nodesReadyS = (Date.now() - tNodes) / 1000;

  // Watch pods to time startup: from the pod's creation (the client's create
  // call for bound pods; the watch's first sight of it for controller-made
  // pods, whose creationTimestamp has only 1 s resolution) to Running.
  const createdAt = new Map<string, number>();
  const done = new Set<string>();
  const startup: number[] = [];
  let lastRunningAt = 0;
  const watch = client.watch(PODS, '', { resourceVersion: '0' }, (ev) => {
    const p = ev.object;
    if (ev.type === 'DELETED' || !p?.metadata) return;
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    if (!createdAt.has(key)) createdAt.set(key, Date.now());
    if (p.status?.phase !== 'Running' || done.has(key)) return;
    done.add(key);
    startup.push(Date.now() - createdAt.get(key)!);
    lastRunningAt = Date.now();
  });

  const deployments = Math.ceil(totalPods / perDep);
  const namespaces = Math.max(1, Math.ceil(deployments / 50));
  const interval = 1000 / qps;
  for (let n = 0; n < namespaces; n++) await timed('create', 'namespaces', () => client.create(NS, '', { metadata: { name: `slo-${n}` } }));
  // The counts are flushed every 2 s: wait for a flush so that node registration is not counted per pod.
  await new Promise((r) => setTimeout(r, 2500));
  // The processes' idle cost (Lease renewals, node monitoring…) over 10 s, so that it can be taken out of the per-pod figures:
  // on a busy machine the same pods take longer, and the idle cost would otherwise count against them.
  const idleFrom = { at: Date.now(), ticks: Object.fromEntries(Object.entries(last).map(([k, v]) => [k, v.ticks])) };
  await new Promise((r) => setTimeout(r, 10_000));
  const idleCores = Object.fromEntries(Object.entries(last).map(([k, v]) => [k, (v.ticks - (idleFrom.ticks[k] ?? v.ticks)) / 100 / ((Date.now() - idleFrom.at) / 1000)]));
  const countsBefore = readCounts(statsDir);
  const ticksBefore = Object.fromEntries(Object.entries(last).map(([k, v]) => [k, v.ticks]));
  const firstCreateAt = Date.now();
  for (let i = 0; i < deployments; i++) {
    const ns = `slo-${i % namespaces}`;
    const name = `d${i}`;
    const labels = { app: name };
    if (values.bound) {
      for (let j = 0; j < perDep; j++) {
        const pod = `${name}-${j}`;
        createdAt.set(`${ns}/${pod}`, Date.now());
        void timed('create', 'pods', () => client.create(PODS, ns, { metadata: { name: pod, labels }, spec: { nodeName: `hollow-${(i * perDep + j) % nodes}`, containers: [{ name: 'c', image: 'registry.local/pause:1' }] } }));
        await new Promise((r) => setTimeout(r, interval));
      }
    } else {
      void timed('create', 'deployments', () => client.create(DEP, ns, {
        metadata: { name, labels }, spec: { replicas: perDep, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'registry.local/pause:1' }] } } },
      }));
      void timed('create', 'services', () => client.create(SVC, ns, { metadata: { name }, spec: { selector: labels, ports: [{ port: 80 }] } }));
      await new Promise((r) => setTimeout(r, interval));
    }
    if (i % 10 === 0) {
      void timed('get', 'deployments', () => client.get(DEP, ns, `d${Math.floor(i / 2)}`).catch(() => undefined));
      void timed('list', 'pods', () => client.list(PODS, ns));
    }
  }
  const tWait = Date.now();
  while (startup.length < totalPods && Date.now() - tWait < 300_000) await new Promise((r) => setTimeout(r, 500));
  const ticksAfter = Object.fromEntries(Object.entries(last).map(([k, v]) => [k, v.ticks]));
  const windowS = (Date.now() - firstCreateAt) / 1000;
  await new Promise((r) => setTimeout(r, 2500));
  const countsAfter = readCounts(statsDir);
  await timed('list', 'pods (all namespaces)', () => client.list(PODS));
  watch.close();
  clearInterval(sampler);

  const report = {
    machine: { cpus: (await import('node:os')).cpus().length, model: (await import('node:os')).cpus()[0]?.model, node: process.version },
    config: { nodes, pods: totalPods, qps, bound: values.bound }, nodesReadyS,
    apiLatencyMs: Object.fromEntries([...latencies].map(([k, xs]) => [k, { n: xs.length, p50: pct(xs, 50), p90: pct(xs, 90), p99: pct(xs, 99) }])),
    podStartupMs: { n: startup.length, p50: pct(startup, 50), p90: pct(startup, 90), p99: pct(startup, 99) },
    // Controllers, scheduler and nodes together: pods Running per second from the first create to the last pod Running.
    podsRunningPerSecond: startup.length / Math.max(0.001, (lastRunningAt - firstCreateAt) / 1000),
    processes: Object.fromEntries(Object.entries(samples).map(([k, xs]) => {
      // CPU ms (user + system; a tick is 10 ms) from the first create until every pod ran.
      const cpuMs = ((ticksAfter[k] ?? 0) - (ticksBefore[k] ?? 0)) * 10;
      const pods = Math.max(1, startup.length);
      return [k, {
        maxRssMiB: Math.max(...xs.map((x) => x.rssMiB)), meanCpu: xs.reduce((a, x) => a + x.cpu, 0) / Math.max(1, xs.length),
        // Per pod: comparable across runs whatever the wall clock did.
        cpuMsPerPod: cpuMs / pods,
        idleCores: idleCores[k] ?? 0,
        // The same, less the idle cost over the window.
        netCpuMsPerPod: (cpuMs - (idleCores[k] ?? 0) * windowS * 1000) / pods,
      }];
    })),
    // Client-side API requests (and watch events received) per pod Running, by component, verb and resource.
    requestsPerPod: perPod(countsBefore, countsAfter, Math.max(1, startup.length)),
  };
  mkdirSync(resolve('bench/results'), { recursive: true });
  writeFileSync(values.out!, JSON.stringify(report, null, 2));
  console.log(`\nSLO report (${nodes} hollow nodes, ${totalPods} pods, ${values.bound ? 'pre-bound' : 'scheduled'})`);
  console.log('metric'.padEnd(40), 'p50'.padStart(9), 'p90'.padStart(9), 'p99'.padStart(9), '  SLO');
  for (const [k, v] of Object.entries(report.apiLatencyMs)) {
    const slo = k.startsWith('list') ? 'p99 <= 30 s' : 'p99 <= 1 s';
    console.log(k.padEnd(40), v.p50.toFixed(1).padStart(9), v.p90.toFixed(1).padStart(9), v.p99.toFixed(1).padStart(9), ` ${slo} ${(k.startsWith('list') ? v.p99 <= 30_000 : v.p99 <= 1000) ? 'met' : 'MISSED'}`);
  }
  const ps = report.podStartupMs;
  console.log(`pod startup (${ps.n})`.padEnd(40), ps.p50.toFixed(0).padStart(9), ps.p90.toFixed(0).padStart(9), ps.p99.toFixed(0).padStart(9), ` p99 <= 5 s ${ps.p99 <= 5000 ? 'met' : 'MISSED'}`);
  console.log(`pods Running per second (first create to last Running): ${report.podsRunningPerSecond.toFixed(0)}`);
  for (const [k, v] of Object.entries(report.processes)) console.log(`${k}: max RSS ${v.maxRssMiB.toFixed(0)} MiB, mean CPU ${v.meanCpu.toFixed(2)} cores, ${v.cpuMsPerPod.toFixed(2)} CPU ms per pod (${v.netCpuMsPerPod.toFixed(2)} less idle ${v.idleCores.toFixed(3)} cores)`);
  for (const [component, counts] of Object.entries(report.requestsPerPod)) {
    console.log(`${component} requests per pod: ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }

  client.close();
  // Let them exit on their own (a CPU profile is written at exit), within bounds.
  const exited = (p: ReturnType<typeof spawn>) => new Promise<void>((r) => { if (p.exitCode !== null) r(); else p.once('exit', () => r()); });
  if (values['cpu-prof']) {
    // The server stops its components with SIGKILL after 5 s, too soon to write a profile: stop them first.
    const pids = ['controller-manager', 'scheduler'].map((k) => procs[k]).filter(Boolean);
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    for (let i = 0; i < 300 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  }
  hollow.kill('SIGTERM');
  server.kill('SIGTERM');
  await Promise.race([Promise.all([exited(hollow), exited(server)]), new Promise((r) => setTimeout(r, values['cpu-prof'] ? 30_000 : 5000))]);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  for (const c of children) c.kill('SIGTERM');
  process.exitCode = 1;
});
