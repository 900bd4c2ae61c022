// Pod startup latency on a real node: `k8ts server` with its own containerd
// and kubelet in a temp data dir; pods of the offline busybox image (already
// on the node, so no pull) are created through the API and timed from the
// create call to Running as seen by a watch: one pod at a time, then batches
// of 30. Beside it, a raw `ctr run -d` of the same image against the same
// containerd is the floor. Each pod's time is split with the watch (when it
// was bound) and CRI's own timestamps (sandbox and container creation,
// container start), and the RSS of the kubelet and containerd is sampled.
// The kubelet's own steps (pod seen, volumes ready, RunPodSandbox called and
// returned, container prepared, created, started, Running status posted) and
// its event-loop delay come from its trace (K8TS_KUBELET_TRACE, see
// src/kubelet/trace.ts); the CPU each component spends per pod of a batch
// from /proc (containerd's includes the CNI plugins it ran, the shims' the
// runc calls they made).
//
//   flock /tmp/k8ts-node-e2e.lock node --no-warnings=ExperimentalWarning bench/podstartup.ts [--singles 15] [--batches 3] [--batch-size 30]
import { parseArgs } from 'node:util';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '../src/client/rest.ts';
import { loadKubeconfig } from '../src/client/kubeconfig.ts';
import { RESOURCES } from '../src/api/resources.ts';
import { CriClient } from '../src/kubelet/cri/client.ts';
import { BUSYBOX_IMAGE } from '../src/kubelet/containerd/oci.ts';
import { freePort, killGroup, K8TS } from '../test/support/cluster.ts';
import { cpuMs, readTrace, shimCpuMs, stepTimes } from './podstartup-trace.ts';
import { STEPS } from './podstartup-trace.ts';
import type { Trace } from './podstartup-trace.ts';

const run = promisify(execFile);
const PODS = RESOURCES.find((x) => x.group === '' && x.resource === 'pods')!;
const NODES = RESOURCES.find((x) => x.group === '' && x.resource === 'nodes')!;
const NODE = 'podstartup-bench';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { values } = parseArgs({
  options: {
    singles: { type: 'string', default: '15' }, batches: { type: 'string', default: '3' }, 'batch-size': { type: 'string', default: '30' },
    out: { type: 'string', default: 'bench/results/podstartup.json' },
  },
});

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const summary = (xs: number[]) => ({ n: xs.length, p50: pct(xs, 50), p99: pct(xs, 99), max: Math.max(...xs) });
const ms = (ns: string) => Number(BigInt(ns || '0') / 1_000_000n);

function rssMiB(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096 / 2 ** 20;
}

/** The first process whose command line has every one of the words. */
function findProcess(words: string[]): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (words.every((w) => argv.some((a) => a.includes(w)))) return Number(name);
    } catch { continue; }
  }
  return undefined;
}

interface CriTiming { sandbox: number; container: number; total: number }
const criSummary = (xs: CriTiming[]) => ({ total: summary(xs.map((x) => x.total)), sandbox: summary(xs.map((x) => x.sandbox)), container: summary(xs.map((x) => x.container)) });

interface PodTiming { total: number; bound: number; sandbox: number; container: number; started: number; reported: number; steps: Record<string, number> }

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-ps-'));
  const port = await freePort();
  const tracePath = join(dir, 'kubelet-trace.jsonl');
  const server = spawn(K8TS, ['server', '--data-dir', dir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1',
    '--node-name', NODE, '--cluster-cidr', '10.196.0.0/16'], { stdio: 'ignore', detached: true, env: { ...process.env, K8TS_LOG: 'quiet', K8TS_KUBELET_TRACE: tracePath } });
  // K8TS_KUBELET_CPU_PROF=FILE (passed on) leaves the kubelet's CPU profile in FILE.
  const cdDir = join(dir, 'agent', 'containerd');
  const socket = join(cdDir, 'containerd.sock');
  let client: Client | undefined;
  let cri: CriClient | undefined;
  // Closed in finally: an open watch or timer would keep the process (and the node lock) alive after a failure.
  let watch: { close(): void } | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    for (let i = 0; !existsSync(kubeconfig); i++) {
      if (i > 600 || server.exitCode !== null) throw new Error('k8ts server did not write its kubeconfig');
      await sleep(100);
    }
    client = new Client({ ...loadKubeconfig(kubeconfig, 'k8ts-podstartup'), timeoutMs: 60_000 });
    const t0 = Date.now();
    for (;;) {
      const node = await client.get(NODES, '', NODE).catch(() => undefined);
      if (node?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) break;
      if (Date.now() - t0 > 90_000) throw new Error('the node did not become Ready in 90 s');
      await sleep(200);
    }
    cri = new CriClient(`unix://${socket}`);
    const pids = { kubelet: findProcess(['kubelet', NODE]), containerd: findProcess(['containerd', join(cdDir, 'config.toml')]) };
    const cpuPids: Record<string, number | undefined> = {
      apiserver: server.pid, scheduler: findProcess(['scheduler.kubeconfig', dir]), 'controller-manager': findProcess(['controller-manager.kubeconfig', dir]), ...pids,
    };
    const cpuNow = () => Object.fromEntries(Object.entries(cpuPids).map(([k, pid]) => [k, pid ? cpuMs(pid) : NaN]));
    /** CPU ms per pod of each batch, per component. */
    const batchCpu: Record<string, number>[] = [];
    let eldMax = 0;
    const peak: Record<string, number> = { kubelet: 0, containerd: 0 };
    sampler = setInterval(() => {
      for (const [k, pid] of Object.entries(pids)) if (pid) try { peak[k] = Math.max(peak[k], rssMiB(pid)); } catch { /* gone */ }
    }, 200);

    // The watch: when each pod was first seen bound, and when Running.
    const seen = new Map<string, { bound?: number; running?: number; uid?: string }>();
    const waiters = new Map<string, () => void>();
    watch = client.watch(PODS, 'default', { resourceVersion: '0' }, (ev) => {
      const p = ev.object;
      if (!p?.metadata || ev.type === 'DELETED') return;
      const s = seen.get(p.metadata.name) ?? {};
      seen.set(p.metadata.name, s);
      s.uid = p.metadata.uid;
      if (p.spec?.nodeName && !s.bound) s.bound = Date.now();
      if (p.status?.phase === 'Running' && !s.running) {
        s.running = Date.now();
        waiters.get(p.metadata.name)?.();
      }
    });

    const spec = { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] };
    /** Creates the pods at once; each one's timing, split by the watch and CRI's timestamps. */
    const startPods = async (names: string[]): Promise<PodTiming[]> => {
      const created = new Map<string, number>();
      const running = names.map((n) => new Promise<void>((r) => waiters.set(n, r)));
      const cpu0 = cpuNow();
      const t0 = Date.now();
      await Promise.all(names.map(async (name) => {
        created.set(name, Date.now());
        await client!.create(PODS, 'default', { metadata: { name }, spec });
      }));
      await Promise.race([Promise.all(running), sleep(120_000).then(() => { throw new Error('pods not Running in 120 s'); })]);
      const cpu1 = cpuNow();
      const shims = shimCpuMs(socket);
      if (names.length > 1) {
        batchCpu.push(Object.fromEntries([...Object.keys(cpu1).map((k) => [k, (cpu1[k] - cpu0[k]) / names.length]), ['shims+runc', shims / names.length]]));
      }
      await sleep(1100); // the trace's last lines (and event-loop figure) reach the file
      const tr: Trace = readTrace(tracePath);
      for (const e of tr.eld) if (e.t >= t0) eldMax = Math.max(eldMax, e.max);
      const sandboxes = (await cri!.listPodSandbox()).items;
      const containers = await cri!.listContainers();
      const out: PodTiming[] = [];
      for (const name of names) {
        const s = seen.get(name)!;
        const sb = sandboxes.find((x) => x.metadata.uid === s.uid);
        const ct = containers.find((x) => x.podSandboxId === sb?.id);
        const st = ct ? await cri!.containerStatus(ct.id) : undefined;
        const c0 = created.get(name)!;
        out.push({
          total: s.running! - c0, bound: (s.bound ?? c0) - c0, sandbox: sb ? ms(sb.createdAt) - c0 : NaN,
          container: st ? ms(st.createdAt) - c0 : NaN, started: st ? ms(st.startedAt) - c0 : NaN, reported: st ? s.running! - ms(st.startedAt) : NaN,
          steps: stepTimes(tr, s.uid!, c0),
        });
      }
      return out;
    };
    const removePods = async (names: string[]) => {
      await Promise.all(names.map((n) => client!.delete(PODS, 'default', n, { gracePeriodSeconds: 0 }).catch(() => undefined)));
      for (let i = 0; i < 600; i++) {
        if (!(await client!.list(PODS, 'default')).items.length && !(await cri!.listPodSandbox()).items.length) break;
        await sleep(100);
      }
      for (const n of names) { seen.delete(n); waiters.delete(n); }
    };

    await removePods(['warm']);
    await startPods(['warm']); // the first pod pays for one-time setup (bridge, cgroups)
    await removePods(['warm']);
    const single: PodTiming[] = [];
    for (let i = 0; i < Number(values.singles); i++) {
      single.push(...await startPods([`single-${i}`]));
      await removePods([`single-${i}`]);
    }
    const batch: PodTiming[] = [];
    const size = Number(values['batch-size']);
    for (let b = 0; b < Number(values.batches); b++) {
      const names = Array.from({ length: size }, (_, i) => `batch-${b}-${i}`);
      batch.push(...await startPods(names));
      await removePods(names);
    }
    watch.close();

    // The floor: the same image through containerd alone, detached (ctr returns once the task runs).
    const ctr = (args: string[]) => run('ctr', ['--address', socket, '--namespace', 'k8s.io', ...args], { timeout: 60_000 });
    const ctrRun = async (id: string): Promise<number> => {
      const t = performance.now();
      await ctr(['run', '-d', BUSYBOX_IMAGE, id, 'sleep', '3600']);
      return performance.now() - t;
    };
    const ctrRm = async (id: string) => {
      await ctr(['task', 'kill', '-s', 'SIGKILL', id]).catch(() => undefined);
      for (let i = 0; i < 50 && (await ctr(['task', 'rm', id]).then(() => false, () => true)); i++) await sleep(100);
      await ctr(['container', 'rm', id]).catch(() => undefined);
    };
    const ctrSingle: number[] = [];
    for (let i = 0; i < Number(values.singles); i++) {
      ctrSingle.push(await ctrRun(`bench-ctr-${i}`));
      await ctrRm(`bench-ctr-${i}`);
    }
    const ctrBatch: number[] = [];
    for (let b = 0; b < Number(values.batches); b++) {
      const ids = Array.from({ length: size }, (_, i) => `bench-ctr-${b}-${i}`);
      ctrBatch.push(...await Promise.all(ids.map(ctrRun)));
      await Promise.all(ids.map(ctrRm));
    }
    // The CRI floor: what the kubelet asks of containerd (sandbox with the pod network, then the container), called directly.
    // With hostNetwork the sandbox skips CNI: the difference is the pod network's cost.
    const criStart = async (name: string, hostNetwork = false): Promise<CriTiming> => {
      const logDirectory = join(dir, 'bench-logs', name);
      mkdirSync(logDirectory, { recursive: true });
      const linux = hostNetwork ? { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } } : {};
      // A host-network sandbox shares the host's UTS namespace: no hostname of its own (as the kubelet does it).
      const sbConfig = { metadata: { name, uid: `bench-${name}`, namespace: 'bench', attempt: 0 }, hostname: hostNetwork ? '' : name, logDirectory, linux };
      const t = performance.now();
      const id = await cri!.runPodSandbox(sbConfig);
      const t1 = performance.now();
      const cid = await cri!.createContainer(id, { metadata: { name: 'c', attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ['sleep', '3600'], logPath: 'c.log', linux: {} }, sbConfig);
      await cri!.startContainer(cid);
      const t2 = performance.now();
      return { sandbox: t1 - t, container: t2 - t1, total: t2 - t };
    };
    const criClean = async () => {
      for (const sb of (await cri!.listPodSandbox()).items.filter((x) => x.metadata.namespace === 'bench')) {
        await cri!.stopPodSandbox(sb.id).catch(() => undefined);
        await cri!.removePodSandbox(sb.id).catch(() => undefined);
      }
    };
    const criSingle: CriTiming[] = [];
    for (let i = 0; i < Number(values.singles); i++) {
      criSingle.push(await criStart(`cri-${i}`));
      await criClean();
    }
    const criBatch: CriTiming[] = [];
    for (let b = 0; b < Number(values.batches); b++) {
      criBatch.push(...await Promise.all(Array.from({ length: size }, (_, i) => criStart(`cri-${b}-${i}`))));
      await criClean();
    }
    const criHostBatch = await Promise.all(Array.from({ length: size }, (_, i) => criStart(`crihost-${i}`, true)));
    await criClean();
    clearInterval(sampler);
    const idle: Record<string, number> = {};
    for (const [k, pid] of Object.entries(pids)) if (pid) idle[k] = rssMiB(pid);

    const steps = (xs: PodTiming[]) => Object.fromEntries([...STEPS, 'syncs'].map((k) => [k, { p50: pct(xs.map((x) => x.steps[k]).filter(Number.isFinite), 50), p99: pct(xs.map((x) => x.steps[k]).filter(Number.isFinite), 99) }]));
    const breakdown = (xs: PodTiming[]) => Object.fromEntries((['bound', 'sandbox', 'container', 'started', 'total'] as const)
      .map((k) => [k, { p50: pct(xs.map((x) => x[k]), 50), p99: pct(xs.map((x) => x[k]), 99) }]));
    const report = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      config: { singles: Number(values.singles), batches: Number(values.batches), batchSize: size, image: BUSYBOX_IMAGE, imagePresent: true },
      podStartupMs: { single: summary(single.map((x) => x.total)), [`batch${size}`]: summary(batch.map((x) => x.total)) },
      ctrRunMs: { single: summary(ctrSingle), [`batch${size}`]: summary(ctrBatch) },
      // RunPodSandbox (pod network through CNI), then CreateContainer + StartContainer, straight over CRI.
      criDirectMs: { single: criSummary(criSingle), [`batch${size}`]: criSummary(criBatch), [`batch${size}-hostNetwork`]: criSummary(criHostBatch) },
      // Milliseconds from the create call until: bound (watch), sandbox created, container created, container started (CRI), Running (watch).
      breakdownMs: { single: breakdown(single), [`batch${size}`]: breakdown(batch) },
      // The kubelet's own steps (its trace), ms after the create call, and the syncs each pod took until Running.
      kubeletStepsMs: { single: steps(single), [`batch${size}`]: steps(batch) },
      // CPU ms per pod while a batch started, per process (median over the batches).
      cpuPerPodMs: Object.fromEntries(Object.keys(batchCpu[0] ?? {}).map((k) => [k, pct(batchCpu.map((b) => b[k]), 50)])),
      kubeletEventLoopDelayMaxMs: eldMax,
      rssMiB: { peak, idle },
      targetP99Ms: 1000,
    };
    mkdirSync(resolve('bench/results'), { recursive: true });
    writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);

    const f = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-').padStart(8);
    console.log(`\npod startup, image present (${report.machine.cpus} cpus)`);
    console.log('scenario'.padEnd(26), 'n'.padStart(5), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'max ms'.padStart(8));
    const row = (label: string, s: ReturnType<typeof summary>) => console.log(label.padEnd(26), String(s.n).padStart(5), f(s.p50), f(s.p99), f(s.max));
    row('k8ts pod, 1 at a time', report.podStartupMs.single);
    row(`k8ts pods, ${size} at once`, report.podStartupMs[`batch${size}`]);
    row('ctr run -d, 1 at a time', report.ctrRunMs.single);
    row(`ctr run -d, ${size} at once`, report.ctrRunMs[`batch${size}`]);
    row('CRI direct, 1 at a time', report.criDirectMs.single.total);
    row(`CRI direct, ${size} at once`, report.criDirectMs[`batch${size}`].total);
    for (const [k, v] of Object.entries(report.criDirectMs)) {
      console.log(`  CRI direct ${k}: RunPodSandbox p50 ${f(v.sandbox.p50).trim()} p99 ${f(v.sandbox.p99).trim()} ms; Create+StartContainer p50 ${f(v.container.p50).trim()} p99 ${f(v.container.p99).trim()} ms`);
    }
    console.log('\nwhere the time goes (ms after create, p50 / p99)');
    console.log('scenario'.padEnd(14), ...['bound', 'sandbox', 'container', 'started', 'Running'].map((h) => h.padStart(14)));
    for (const [label, b] of Object.entries(report.breakdownMs)) {
      console.log(label.padEnd(14), ...Object.values(b).map((v) => `${f(v.p50).trim()} / ${f(v.p99).trim()}`.padStart(14)));
    }
    console.log('\nthe kubelet\'s steps (ms after create, p50 / p99)');
    const heads = ['seen', 'sync', 'viewed', 'volumes', 'sbcall', 'sbdone', 'prep', 'create', 'created', 'started', 'posted', 'syncs'];
    console.log('scenario'.padEnd(14), ...heads.map((h) => h.padStart(12)));
    for (const [label, b] of Object.entries(report.kubeletStepsMs)) {
      console.log(label.padEnd(14), ...Object.values(b).map((v) => `${f(v.p50).trim()} / ${f(v.p99).trim()}`.padStart(12)));
    }
    const cpu = Object.entries(report.cpuPerPodMs);
    console.log(`\nCPU ms per pod, ${size} at once: ${cpu.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; total ${cpu.reduce((a, [, v]) => a + v, 0).toFixed(0)}`);
    console.log(`kubelet event-loop delay, max over the batches: ${eldMax.toFixed(0)} ms`);
    console.log(`\nRSS MiB: kubelet peak ${peak.kubelet.toFixed(0)} idle ${idle.kubelet?.toFixed(0)}; containerd peak ${peak.containerd.toFixed(0)} idle ${idle.containerd?.toFixed(0)}`);
    const p99 = Math.max(report.podStartupMs.single.p99, report.podStartupMs[`batch${size}`].p99);
    console.log(`target p99 <= 1000 ms: ${p99 <= 1000 ? 'met' : 'MISSED'} (${p99.toFixed(0)} ms); written to ${values.out}`);
  } finally {
    watch?.close();
    clearInterval(sampler);
    cri?.close();
    client?.close();
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, sleep(20_000)]);
    killGroup(server);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      console.error(`could not remove ${dir}: ${String(err)}`);
    }
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
