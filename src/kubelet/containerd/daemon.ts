// Starts and stops a private containerd (root, state, socket, runc state and
// CNI config all under one directory) and imports the offline images into
// its k8s.io namespace. Used by `k8ts server` for its node and by tests.
// Stopping it leaves nothing behind: pod sandboxes are torn down through CRI
// first (so CNI releases IPs, veths and portmap rules), then any shim left
// and its container processes are killed, mounts under the directory are
// unmounted and the directory is removed.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { defaultImages, PAUSE_IMAGE } from './oci.ts';

const run = promisify(execFile);
const TEMPLATE = resolve(import.meta.dirname, '../../../scripts/containerd/config.toml.tmpl');

export interface ContainerdOptions {
  /** Everything lives under this directory; keep it short: unix socket paths are limited to 107 bytes. */
  dir: string;
  sandboxImage?: string;
  cniBinDir?: string;
  logLevel?: string;
  /** Where containerd's output goes (default: DIR/containerd.log). */
  logFile?: string;
}

export interface Containerd {
  dir: string;
  socket: string;
  /** The CRI endpoint, as the kubelet's --container-runtime-endpoint takes it. */
  endpoint: string;
  cniConfDir: string;
  process: ChildProcess;
  importImages(tarball: Buffer): Promise<void>;
  /** Runs ctr against this containerd (namespace k8s.io). */
  ctr(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export function renderConfig(opts: ContainerdOptions): string {
  return readFileSync(TEMPLATE, 'utf8')
    .replaceAll('{{DIR}}', resolve(opts.dir))
    .replaceAll('{{SANDBOX_IMAGE}}', opts.sandboxImage ?? PAUSE_IMAGE)
    .replaceAll('{{CNI_BIN_DIR}}', opts.cniBinDir ?? '/usr/lib/cni')
    .replaceAll('{{LOG_LEVEL}}', opts.logLevel ?? 'info');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startContainerd(opts: ContainerdOptions): Promise<Containerd> {
  const dir = resolve(opts.dir);
  const socket = join(dir, 'containerd.sock');
  if (Buffer.byteLength(socket) > 100) throw new Error(`containerd socket path too long: ${socket}`);
  const cniConfDir = join(dir, 'cni/net.d');
  mkdirSync(cniConfDir, { recursive: true });
  writeFileSync(join(dir, 'config.toml'), renderConfig({ ...opts, dir }));
  const logFd = openSync(opts.logFile ?? join(dir, 'containerd.log'), 'a');
  const proc = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const ctr = async (args: string[]): Promise<string> => (await run('ctr', ['--address', socket, '--namespace', 'k8s.io', ...args], { maxBuffer: 16 << 20 })).stdout;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`containerd exited with ${proc.exitCode}; see ${join(dir, 'containerd.log')}`);
    if (existsSync(socket) && (await ctr(['version']).then(() => true, () => false))) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`containerd did not answer on ${socket} within 20 s`);
    }
    await sleep(100);
  }
  const handle: Containerd = {
    dir, socket, endpoint: `unix://${socket}`, cniConfDir, process: proc, ctr,
    async importImages(tarball) {
      const path = join(dir, 'images.tar');
      writeFileSync(path, tarball);
      await ctr(['images', 'import', path]);
      rmSync(path, { force: true });
    },
    stop: () => stopContainerd(handle),
  };
  return handle;
}

/** Starts containerd and imports the default images (pause and busybox). */
export async function startContainerdWithImages(opts: ContainerdOptions): Promise<Containerd> {
  const c = await startContainerd(opts);
  try {
    await c.importImages(defaultImages());
  } catch (err) {
    await c.stop();
    throw err;
  }
  return c;
}

async function stopContainerd(c: Containerd): Promise<void> {
  // Tear the pods down through CRI so that CNI undoes its work (IPs, veths,
  // iptables rules); ctr cannot do that.
  const crictlLike = async () => {
    const { CriClient } = await import('../cri/client.ts');
    const cri = new CriClient(c.endpoint);
    try {
      const { items } = await cri.listPodSandbox({}, 5000);
      for (const s of items) {
        await cri.stopPodSandbox(s.id, 20_000).catch(() => undefined);
        await cri.removePodSandbox(s.id, 20_000).catch(() => undefined);
      }
    } finally {
      cri.close();
    }
  };
  if (c.process.exitCode === null) await crictlLike().catch(() => undefined);
  if (c.process.exitCode === null && c.process.signalCode === null) {
    const exited = new Promise((r) => c.process.once('exit', r));
    c.process.kill('SIGTERM');
    const t = setTimeout(() => c.process.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
  killShims(c.socket);
  await unmountUnder(c.dir);
  rmSync(c.dir, { recursive: true, force: true });
  // Shims make these host-wide directories; drop them when nothing else uses them.
  for (const d of ['/run/containerd/s', '/run/containerd/fifo', '/run/containerd']) rmdirIfEmpty(d);
}

function rmdirIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    return; // in use by another containerd, or never made
  }
}

/** Removes a cgroup (v1 or v2) and everything below it in every hierarchy, once its processes are gone. */
export function removeCgroupTree(path: string): void {
  const rel = path.replace(/^\/+/, '');
  if (!rel) return;
  let roots: string[];
  try {
    roots = readdirSync('/sys/fs/cgroup', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `/sys/fs/cgroup/${d.name}`);
  } catch {
    return;
  }
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) roots = ['/sys/fs/cgroup'];
  const rmTree = (dir: string): void => {
    let kids: string[] = [];
    try {
      kids = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name));
    } catch {
      return;
    }
    for (const k of kids) rmTree(k);
    rmdirIfEmpty(dir);
  };
  for (const r of roots) rmTree(join(r, rel));
}

function procs(): { pid: number; ppid: number; cmdline: string }[] {
  const out: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(name), ppid, cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      continue; // the process ended while we looked
    }
  }
  return out;
}

/** Kills the shims started by the containerd on `socket`, and every process below them (the containers). */
export function killShims(socket: string): number {
  const all = procs();
  const shims = all.filter((p) => p.cmdline.includes('containerd-shim') && p.cmdline.includes(socket));
  const doomed = new Set(shims.map((s) => s.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (!doomed.has(p.pid) && doomed.has(p.ppid)) { doomed.add(p.pid); grew = true; }
  }
  for (const pid of doomed) {
    try { process.kill(pid, 'SIGKILL'); } catch { continue; }
  }
  return shims.length;
}

/** Unmounts everything mounted at or below dir, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const root = resolve(dir);
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((p): p is string => !!p && (p === root || p.startsWith(`${root}/`)))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p]).catch(() => undefined);
}
