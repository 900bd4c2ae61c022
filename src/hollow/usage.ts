// The simulated resource use of the pods a hollow process runs: each
// container uses what its pod's annotations say (`hollow.k8ts.io/cpu-usage`,
// `hollow.k8ts.io/memory-usage`, per container), and a change of those
// annotations on a running pod changes it from then on. CPU time is
// integrated over time, so the Summary API's cumulative counters stay
// consistent with the instantaneous rates.
import { parseQuantity } from '../machinery/quantity.ts';

export const CPU_USAGE = 'hollow.k8ts.io/cpu-usage';
export const MEMORY_USAGE = 'hollow.k8ts.io/memory-usage';
const DEFAULT_CPU = '10m';
const DEFAULT_MEMORY = '16Mi';

export interface ContainerUsage {
  name: string;
  startTime: string;
  nanoCores: number;
  memoryBytes: number;
  /** CPU time used up to `since` (ms since the epoch), in core-nanoseconds. */
  coreNanoSeconds: number;
  since: number;
}

export interface PodEntry {
  name: string;
  namespace: string;
  uid: string;
  node: string;
  startTime: string;
  cpuAnnotation: string | undefined;
  memoryAnnotation: string | undefined;
  containers: ContainerUsage[];
}

// Pods share a handful of annotation values (most have none): parse each once.
const amounts = new Map<string, number>();

/** A quantity annotation in base units (nanocores for cpu via `nanos`, bytes for memory); the default when absent or malformed. */
function amount(raw: string | undefined, fallback: string, nanoUnits: boolean): number {
  const key = `${raw ?? ''}\u0000${fallback}\u0000${nanoUnits}`;
  let n = amounts.get(key);
  if (n === undefined) {
    n = parseAmount(raw, fallback, nanoUnits);
    if (amounts.size < 1024) amounts.set(key, n);
  }
  return n;
}

function parseAmount(raw: string | undefined, fallback: string, nanoUnits: boolean): number {
  for (const v of [raw, fallback]) {
    if (v === undefined) continue;
    try {
      const q = parseQuantity(v);
      if (q.nanos < 0n) continue;
      return nanoUnits ? Number(q.nanos) : Number(q.nanos / 1_000_000_000n);
    } catch {
      // a malformed annotation means the default, as an unset one does
    }
  }
  return 0;
}

export class UsageBook {
  private readonly now: () => Date;
  private readonly pods = new Map<string, PodEntry>();
  private readonly byNode = new Map<string, Set<string>>();

  constructor(now: () => Date) {
    this.now = now;
  }

  /** Records a pod whose containers just started. */
  start(pod: any, startTime: string): void {
    const ann = pod.metadata.annotations ?? {};
    const at = this.now().getTime();
    const cpu = amount(ann[CPU_USAGE], DEFAULT_CPU, true);
    const memory = amount(ann[MEMORY_USAGE], DEFAULT_MEMORY, false);
    const entry: PodEntry = {
      name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, node: pod.spec.nodeName, startTime,
      cpuAnnotation: ann[CPU_USAGE], memoryAnnotation: ann[MEMORY_USAGE],
      containers: (pod.spec.containers ?? []).map((c: any) => ({ name: c.name, startTime, nanoCores: cpu, memoryBytes: memory, coreNanoSeconds: 0, since: at })),
    };
    this.pods.set(entry.uid, entry);
    let set = this.byNode.get(entry.node);
    if (!set) this.byNode.set(entry.node, (set = new Set()));
    set.add(entry.uid);
  }

  /** Follows a change of the usage annotations of a pod already running; other pods are ignored. */
  update(pod: any): void {
    const entry = this.pods.get(pod.metadata.uid);
    if (!entry) return;
    const ann = pod.metadata.annotations ?? {};
    if (ann[CPU_USAGE] === entry.cpuAnnotation && ann[MEMORY_USAGE] === entry.memoryAnnotation) return;
    const at = this.now().getTime();
    const cpu = amount(ann[CPU_USAGE], DEFAULT_CPU, true);
    const memory = amount(ann[MEMORY_USAGE], DEFAULT_MEMORY, false);
    for (const c of entry.containers) {
      c.coreNanoSeconds = cumulative(c, at);
      c.since = at;
      c.nanoCores = cpu;
      c.memoryBytes = memory;
    }
    entry.cpuAnnotation = ann[CPU_USAGE];
    entry.memoryAnnotation = ann[MEMORY_USAGE];
  }

  remove(uid: string): void {
    const entry = this.pods.get(uid);
    if (!entry) return;
    this.pods.delete(uid);
    const set = this.byNode.get(entry.node);
    set?.delete(uid);
    if (set?.size === 0) this.byNode.delete(entry.node);
  }

  get(uid: string): PodEntry | undefined {
    return this.pods.get(uid);
  }

  podsOn(node: string): PodEntry[] {
    return [...(this.byNode.get(node) ?? [])].map((uid) => this.pods.get(uid)!);
  }
}

/** CPU time used up to `at` (ms): what was counted, plus the current rate since then. */
export function cumulative(c: ContainerUsage, at: number): number {
  return c.coreNanoSeconds + Math.max(0, at - c.since) * 1e6 * (c.nanoCores / 1e9);
}
