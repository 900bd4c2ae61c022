// Reads a kubelet Summary (upstream's statsapi.Summary: GET /stats/summary)
// into the usage metrics.k8s.io reports, as metrics-server does: CPU as
// nanocores, memory as the working set. A kubelet that gives only the
// cumulative CPU counter gets its rate from the previous scrape of the same
// container; a pod with any container lacking CPU or memory is left out
// (metrics-server drops incomplete pods rather than under-report them).

export interface Usage {
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface Sample extends Usage {
  /** When the kubelet took the sample (RFC 3339). */
  timestamp: string;
  /** How long a period the CPU rate covers, in seconds. */
  windowSeconds: number;
}

export interface PodSample {
  namespace: string;
  name: string;
  uid?: string;
  timestamp: string;
  windowSeconds: number;
  containers: (Usage & { name: string })[];
}

export interface NodeSummary {
  node?: Sample;
  pods: PodSample[];
}

/** The window kubelets compute usageNanoCores over (cAdvisor's housekeeping interval is ~10 s). */
export const DEFAULT_WINDOW_SECONDS = 10;

/** Cumulative CPU counters from the previous scrape, to turn counters into rates. */
export class CounterMemory {
  private prev = new Map<string, { t: number; ns: number }>();
  private next = new Map<string, { t: number; ns: number }>();

  /** The rate since the previous sample of `key`, or undefined on the first one. */
  rate(key: string, time: string, coreNanoSeconds: number): { nanoCores: number; windowSeconds: number } | undefined {
    const t = Date.parse(time);
    const before = this.prev.get(key);
    this.next.set(key, { t, ns: coreNanoSeconds });
    if (!before || !(t > before.t) || coreNanoSeconds < before.ns) return undefined;
    const seconds = (t - before.t) / 1000;
    return { nanoCores: (coreNanoSeconds - before.ns) / seconds, windowSeconds: seconds };
  }

  /** Ends one scrape: what it saw becomes "previous", and containers that are gone are forgotten. */
  commit(): void {
    for (const [k, v] of this.prev) if (!this.next.has(k)) this.next.set(k, v);
    this.prev = this.next;
    this.next = new Map();
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function cpuOf(cpu: any, key: string, memory: CounterMemory): { nanoCores: number; windowSeconds: number; time?: string } | undefined {
  if (!cpu) return undefined;
  const direct = num(cpu.usageNanoCores);
  if (direct !== undefined) return { nanoCores: direct, windowSeconds: DEFAULT_WINDOW_SECONDS, time: cpu.time };
  const cumulative = num(cpu.usageCoreNanoSeconds);
  if (cumulative === undefined || typeof cpu.time !== 'string') return undefined;
  const r = memory.rate(key, cpu.time, cumulative);
  return r ? { ...r, time: cpu.time } : undefined;
}

function sample(stats: any, key: string, memory: CounterMemory, fallbackTime: string): Sample | undefined {
  const cpu = cpuOf(stats?.cpu, key, memory);
  const mem = num(stats?.memory?.workingSetBytes);
  if (!cpu || mem === undefined) return undefined;
  return { cpuNanoCores: cpu.nanoCores, memoryBytes: mem, timestamp: cpu.time ?? stats?.memory?.time ?? fallbackTime, windowSeconds: cpu.windowSeconds };
}

/** The usage in one node's Summary; `now` stamps samples that carry no time. */
export function parseSummary(summary: any, nodeName: string, memory: CounterMemory, now: Date): NodeSummary {
  const fallback = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const out: NodeSummary = { pods: [] };
  out.node = sample(summary?.node, `node/${nodeName}`, memory, fallback);
  for (const p of Array.isArray(summary?.pods) ? summary.pods : []) {
    const ref = p?.podRef;
    if (!ref?.name || !ref?.namespace) continue;
    const containers: PodSample['containers'] = [];
    let timestamp = '';
    let windowSeconds = DEFAULT_WINDOW_SECONDS;
    let complete = true;
    for (const c of Array.isArray(p.containers) ? p.containers : []) {
      const s = sample(c, `pod/${ref.namespace}/${ref.name}/${ref.uid ?? ''}/${c?.name}`, memory, fallback);
      if (!s || !c.name) {
        complete = false;
        continue;
      }
      containers.push({ name: c.name, cpuNanoCores: s.cpuNanoCores, memoryBytes: s.memoryBytes });
      if (s.timestamp > timestamp) timestamp = s.timestamp;
      windowSeconds = s.windowSeconds;
    }
    if (!complete || containers.length === 0) continue;
    out.pods.push({ namespace: ref.namespace, name: ref.name, uid: ref.uid, timestamp, windowSeconds, containers });
  }
  memory.commit();
  return out;
}
