// Helpers of bench/podstartup.ts: the kubelet's trace (K8TS_KUBELET_TRACE,
// written by src/kubelet/trace.ts) and CPU time read from /proc.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface Trace {
  /** Per pod uid, the first time (epoch ms) of each step. */
  steps: Map<string, Map<string, number>>;
  /** The kubelet's event-loop delay per second (ms). */
  eld: { t: number; max: number; p99: number }[];
}

export function readTrace(path: string): Trace {
  const steps = new Map<string, Map<string, number>>();
  const eld: Trace['eld'] = [];
  if (!existsSync(path)) return { steps, eld };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    let e: any;
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a line still being written
    }
    if (e.eld) eld.push({ t: e.t, max: e.eld.max, p99: e.eld.p99 });
    else if (e.uid) {
      let m = steps.get(e.uid);
      if (!m) steps.set(e.uid, m = new Map());
      if (e.step === 'sync') m.set('syncs', (m.get('syncs') ?? 0) + 1);
      if (!m.has(e.step)) m.set(e.step, e.t);
    }
  }
  return { steps, eld };
}

/** The steps the benchmark reports, in the order a pod passes them. */
export const STEPS = ['seen', 'sync', 'viewed', 'volumes', 'sandbox-call', 'sandbox-done', 'container-prep', 'create-call', 'created', 'started', 'posted-Running'] as const;

/** ms after t0 at which the pod reached each step (NaN when it did not), and how many syncs ran until Running. */
export function stepTimes(tr: Trace, uid: string, t0: number): Record<string, number> {
  const m = tr.steps.get(uid);
  const out: Record<string, number> = {};
  for (const s of STEPS) out[s] = m?.has(s) ? m.get(s)! - t0 : NaN;
  out.syncs = m?.get('syncs') ?? NaN;
  return out;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** The CPU a process and the children it waited for have used (ms). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 (1-based), 12-15 after the command.
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** The CPU of every shim of the containerd on socket (with the runc calls they made). */
export function shimCpuMs(socket: string): number {
  let sum = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes('containerd-shim') && cmd.includes(socket)) sum += cpuMs(Number(name)) || 0;
  }
  return sum;
}
