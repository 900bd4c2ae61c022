// Starts a real `bin/k8ts server` for end-to-end tests: a private data dir,
// a free port, and helpers that run the real kubectl against it. Stops the
// server (and removes its state) when the test ends.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { until } from './wait.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const K8TS = join(ROOT, 'bin/k8ts');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestCluster {
  dataDir: string;
  port: number;
  kubeconfig: string;
  process: ChildProcess;
  logs: () => string;
  kubectl(args: string[], opts?: { input?: string; binary?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<KubectlResult>;
  /** kubectl that must succeed; returns stdout. */
  k(args: string[], opts?: { input?: string; binary?: string }): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  restart(): Promise<void>;
  /** Sets the controllers' clock to real time plus `seconds` (needs `clock: true`). */
  setClockOffset(seconds: number): void;
}

export interface ClusterOptions {
  extraArgs?: string[];
  /** Run the server's own node (containerd + kubelet) instead of --disable-agent. */
  agent?: boolean;
  dataDir?: string;
  port?: number;
  /** Give the controllers a clock the test moves with setClockOffset(). */
  clock?: boolean;
  /** Where the server listens (default 127.0.0.1; 0.0.0.0 lets a test's second network namespace reach it). */
  bindAddress?: string;
}

async function waitReady(kubeconfig: string, proc: ChildProcess, logs: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`k8ts server exited with ${proc.exitCode}:\n${logs()}`);
    if (existsSync(kubeconfig)) {
      const r = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'], {});
      if (r.code === 0 && r.stdout.trim() === 'ok') return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`k8ts server was not ready within ${timeoutMs} ms:\n${logs()}`);
}

// The older kubectl builds (kubectl.1.30 …) sit beside the kubectl that
// /usr/bin links to, outside PATH.
const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const PATH_WITH_KUBECTLS = `${process.env.PATH ?? ''}:${KUBECTL_DIR}`;
/** Environment for spawning any kubectl build directly. */
export const KUBECTL_ENV = { ...process.env, PATH: PATH_WITH_KUBECTLS };

export function run(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<KubectlResult> {
  return new Promise((resolveRun) => {
    const child = execFile(cmd, args, { env: { ...process.env, PATH: PATH_WITH_KUBECTLS, ...opts.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
      resolveRun({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Kills whatever is left of a process group (components of a killed server). */
export function killGroup(p: ChildProcess): void {
  if (p.pid === undefined) return;
  try { process.kill(-p.pid, 'SIGKILL'); } catch { /* the group is already gone */ }
}

export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'k8ts-e2e-'));
  const port = opts.port ?? await freePort();
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const clockFile = join(dataDir, 'test-clock-offset');
  if (opts.clock) writeFileSync(clockFile, '0\n');
  let output = '';
  let proc!: ChildProcess;
  const launch = async () => {
    rmSync(kubeconfig, { force: true });
    proc = spawn(K8TS, ['server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', opts.bindAddress ?? '127.0.0.1', ...(opts.agent ? [] : ['--disable-agent']), ...(opts.extraArgs ?? [])], {
      // Its own process group, so that stop() can take down the components
      // it spawned even when the server itself was killed with SIGKILL.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, K8TS_LOG: process.env.K8TS_TEST_LOG ?? 'quiet', ...(opts.clock ? { K8TS_CLOCK_OFFSET_FILE: clockFile } : {}) },
    });
    proc.stdout!.on('data', (d) => { output += d; });
    proc.stderr!.on('data', (d) => { output += d; });
    await waitReady(kubeconfig, proc, () => output);
  };
  await launch();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (proc.exitCode !== null || proc.signalCode !== null) { killGroup(proc); return proc.exitCode; }
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(t);
    killGroup(proc);
    return code;
  };
  const cluster: TestCluster = {
    dataDir, port, kubeconfig,
    get process() { return proc; },
    logs: () => output,
    setClockOffset(seconds) {
      if (!opts.clock) throw new Error('startCluster({ clock: true }) is needed to move the clock');
      writeFileSync(clockFile, `${seconds}\n`);
    },
    kubectl: (args, o = {}) => run(o.binary ?? 'kubectl', ['--kubeconfig', kubeconfig, ...args], { input: o.input, env: o.env, timeoutMs: o.timeoutMs }),
    async k(args, o = {}) {
      const r = await cluster.kubectl(args, o);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    stop: async (signal) => {
      const code = await stop(signal);
      return code;
    },
    restart: async () => {
      await stop();
      await launch();
    },
  };
  return cluster;
}

/** Stops the cluster and removes its state. */
export async function destroyCluster(c: TestCluster | undefined): Promise<void> {
  if (!c) return;
  await c.stop();
  rmSync(c.dataDir, { recursive: true, force: true });
}

// Temporary files live until the test process exits, then go.
const tempDirs: string[] = [];
process.once('exit', () => { for (const d of tempDirs) rmSync(d, { recursive: true, force: true }); });

export function writeTemp(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-file-'));
  tempDirs.push(dir);
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Waits (up to 60 s) until the node's Ready condition is True. */
export async function waitNodeReady(c: TestCluster, node: string): Promise<void> {
  await until('the node to be Ready', 60_000, async () => {
    const r = await c.kubectl(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    return r.stdout === 'True';
  });
}
