// The API server benchmark: create, get, list and watch over HTTPS against a
// real `k8ts server`, at 1 and 64 concurrent clients, beside the raw rates of
// the storage it runs on (our SQLite backend and plain node:sqlite) measured
// in the same run. Also a list of 10,000 pods and create → watch latency.
//
//   npm run bench:apiserver [-- --seconds 5] [--runs 3] [--pods 10000]
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createSqliteBackend } from '../src/storage/sqlite/index.ts';
import { startCluster, destroyCluster } from '../test/support/cluster.ts';
import { adminClient } from '../test/support/http.ts';
import { poolClient } from './lib/pool-client.ts';
import { rawSqlite } from './lib/baselines.ts';
import type { Figures } from './lib/baselines.ts';
import { median, percentile, podValue, pool, timedLoop } from './lib/measure.ts';
import { machine } from './lib/report.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    pods: { type: 'string', default: '10000' },
    out: { type: 'string', default: 'bench/results/apiserver.json' },
  },
});
const seconds = Number(values.seconds);
const pods = Number(values.pods);
const log = (m: string) => process.stderr.write(`${m}\n`);
const CLIENTS = [1, 64];
const WARMUP_S = 0.5;

function configMap(name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'yes' } }, data: { payload: 'x'.repeat(512) } });
}

/** Our SQLite backend's create rate at the same concurrency: the floor the API server stands on. */
async function storageRates(dir: string): Promise<Figures> {
  const b = await createSqliteBackend({ dataDir: dir });
  const out: Figures = {};
  try {
    for (const c of CLIENTS) {
      const r = await timedLoop(c, seconds, (w, n) => b.create(`/registry/configmaps/bench/c${c}-${w}-${n}`, podValue(n, 700)));
      out[`storage_create_rate_c${c}`] = r.rate;
    }
  } finally {
    await b.close();
  }
  return out;
}

/** CPU seconds (user + system) the process has used so far, from /proc (the server runs in a child process). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return NaN;
  }
}

async function apiRates(kubeconfig: string, serverPid?: number): Promise<Figures> {
  const http = adminClient(kubeconfig);
  // The timed create, get and list loops: a client that costs the shared CPUs less (pool-client.ts).
  const load = poolClient(kubeconfig, Math.max(...CLIENTS));
  const out: Figures = {};
  const cm = '/api/v1/namespaces/default/configmaps';
  const ok = (status: number, what: string) => { if (status >= 300) throw new Error(`${what} answered ${status}`); };
  try {
    for (const c of CLIENTS) {
      // Steady state, as latency benchmarks measure it: a short untimed run of
      // the same requests first opens the clients' connections (TLS
      // handshakes) and warms the server, and is left out of the figures.
      await timedLoop(c, WARMUP_S, async (w, n) => ok((await load.call('POST', cm, configMap(`warm-c${c}-${w}-${n}`))).status, 'create'));
      const cpu0 = cpuSeconds(serverPid);
      // Gets read back the first (at most 50) ConfigMaps each worker made: on a slow machine a worker may have made fewer.
      const made: number[] = new Array(c).fill(0);
      const created = await timedLoop(c, seconds, async (w, n) => {
        ok((await load.call('POST', cm, configMap(`c${c}-${w}-${n}`))).status, 'create');
        made[w] = n + 1;
      }, { recordLatency: true });
      // The server's own CPU per create: what its code costs, whatever the client and the machine take.
      out[`server_cpu_us_per_create_c${c}`] = ((cpuSeconds(serverPid) - cpu0) * 1e6) / created.ops;
      out[`create_rate_c${c}`] = created.rate;
      out[`create_p50_ms_c${c}`] = percentile(created.latencies, 50);
      out[`create_p99_ms_c${c}`] = percentile(created.latencies, 99);
      const got = await timedLoop(c, seconds, async (w, n) => ok((await load.call('GET', `${cm}/c${c}-${w}-${n % Math.max(1, Math.min(50, made[w]!))}`)).status, 'get'), { recordLatency: true });
      out[`get_rate_c${c}`] = got.rate;
      out[`get_p50_ms_c${c}`] = percentile(got.latencies, 50);
      out[`get_p99_ms_c${c}`] = percentile(got.latencies, 99);
      const listed = await timedLoop(c, seconds, async () => ok((await load.call('GET', `${cm}?limit=100`)).status, 'list'), { recordLatency: true });
      out[`list100_rate_c${c}`] = listed.rate;
      out[`list100_p99_ms_c${c}`] = percentile(listed.latencies, 99);
    }
    Object.assign(out, await watchFigures(http, cm));
    Object.assign(out, await podList(http));
  } finally {
    http.close();
    await load.close();
  }
  return out;
}

/** Events per second one watcher receives while 64 clients create, and create → event latency. */
async function watchFigures(http: ReturnType<typeof adminClient>, cm: string): Promise<Figures> {
  const seen = new Map<string, number>();
  const sent = new Map<string, number>();
  const close = await http.watch(`${cm}?watch=1&labelSelector=watch%3Dyes`, (ev) => {
    if (ev.type === 'ADDED') seen.set(ev.object.metadata.name, performance.now());
  });
  const body = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { watch: 'yes' } } });
  const t0 = performance.now();
  const r = await timedLoop(64, seconds, async (w, n) => {
    const name = `w-${w}-${n}`;
    sent.set(name, performance.now());
    await http.call('POST', cm, body(name));
  });
  while (seen.size < r.ops && performance.now() - t0 < (seconds + 10) * 1000) await new Promise((d) => setTimeout(d, 20));
  const elapsed = (performance.now() - t0) / 1000;
  const latencies = [...seen].map(([n, t]) => t - (sent.get(n) ?? t));
  close();
  return {
    watch_events_rate: seen.size / elapsed,
    watch_delivered_fraction: seen.size / r.ops,
    watch_latency_p50_ms: percentile(latencies, 50),
    watch_latency_p99_ms: percentile(latencies, 99),
  };
}

/** Creates `pods` pods (bound to a node that does not exist, so nothing acts on them) and times a full list. */
async function podList(http: ReturnType<typeof adminClient>): Promise<Figures> {
  await http.call('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
  const pod = (i: number) => {
    const p = JSON.parse(podValue(i, 1024));
    delete p.metadata.uid; delete p.metadata.resourceVersion; delete p.metadata.ownerReferences; delete p.status;
    p.spec.nodeName = 'bench-absent-node';
    return JSON.stringify(p);
  };
  const t0 = performance.now();
  await pool(pods, 64, async (i) => { await http.call('POST', '/api/v1/namespaces/bench/pods', pod(i)); });
  const createSecs = (performance.now() - t0) / 1000;
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    const r = await http.call('GET', '/api/v1/namespaces/bench/pods');
    if (r.json().items.length < pods) throw new Error('the pod list is short');
    times.push(performance.now() - s);
  }
  return { pod_create_rate_c64: pods / createSecs, [`list_${pods}_pods_ms`]: median(times) };
}

async function oneRun(run: number): Promise<Figures> {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-bench-api-'));
  try {
    log(`run ${run}: raw sqlite`);
    const raw = await rawSqlite(join(root, 'raw'), { seconds, listSizes: [], batch: 256 });
    log(`run ${run}: sqlite backend`);
    const storage = await storageRates(join(root, 'backend'));
    log(`run ${run}: k8ts server`);
    const c = await startCluster();
    try {
      return { raw_insert_unbatched_rate: raw.insert_unbatched_rate!, ...storage, ...await apiRates(c.kubeconfig, c.process.pid) };
    } finally {
      await destroyCluster(c);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const runs: Figures[] = [];
for (let i = 1; i <= Number(values.runs); i++) runs.push(await oneRun(i));
const med: Figures = {};
for (const k of Object.keys(runs[0]!)) med[k] = median(runs.map((r) => r[k]!));
const rows = Object.entries(med).map(([k, v]) => {
  const c = /_c(\d+)$/.exec(k)?.[1];
  const ratio = k.startsWith('create_rate_c') && c
    ? ` (${(100 * v / med.raw_insert_unbatched_rate!).toFixed(0)}% of raw SQLite inserts, ${(100 * v / med[`storage_create_rate_c${c}`]!).toFixed(0)}% of the backend at ${c})` : '';
  return `${k.padEnd(32)} ${v.toFixed(v < 10 ? 2 : 0).padStart(10)}${ratio}`;
});
const goals = [
  `single-object p99 at 64 clients < 25 ms: create ${med.create_p99_ms_c64!.toFixed(1)} ms, get ${med.get_p99_ms_c64!.toFixed(1)} ms → ${med.create_p99_ms_c64! < 25 && med.get_p99_ms_c64! < 25 ? 'met' : 'NOT met'}`,
  `creates ≥ 25% of the raw storage rate (64 clients): ${(100 * med.create_rate_c64! / med.raw_insert_unbatched_rate!).toFixed(0)}% of raw SQLite inserts (one fsync each) → ${med.create_rate_c64! >= 0.25 * med.raw_insert_unbatched_rate! ? 'met' : 'NOT met'}; ${(100 * med.create_rate_c64! / med.storage_create_rate_c64!).toFixed(0)}% of k8ts' SQLite backend at 64 writers (group commit) → ${med.create_rate_c64! >= 0.25 * med.storage_create_rate_c64! ? 'met' : 'NOT met'}`,
];
process.stdout.write(`${rows.join('\n')}\n\n${goals.join('\n')}\n`);
const out = resolve(values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ machine: machine(), runs: runs.length, seconds, median: med, all: runs, goals }, null, 2));
