// The kubelet's resource figures, in upstream's statsapi.Summary shape (what
// GET /stats/summary serves and metrics.k8s.io reads): per container from
// CRI ListContainerStats, per pod as the sum of its containers, and for the
// node from /proc/stat, /proc/meminfo and statfs of the root dir. CPU
// usageNanoCores is a rate, so a sample is taken in the background (every
// 10 s, as cAdvisor housekeeps) and each rate spans two samples.
import { readFileSync, statfsSync } from 'node:fs';
import type { CriClient, CriContainerStats } from './cri/client.ts';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from './spec.ts';

export interface CpuStats { time: string; usageNanoCores: number; usageCoreNanoSeconds: number }
export interface MemoryStats { time: string; availableBytes?: number; usageBytes: number; workingSetBytes: number; rssBytes: number; pageFaults?: number; majorPageFaults?: number }
export interface FsStats { time: string; availableBytes: number; capacityBytes: number; usedBytes: number; inodesFree: number; inodes: number; inodesUsed: number }
export interface ContainerSummary { name: string; startTime: string; cpu: CpuStats; memory: MemoryStats }
export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerSummary[];
  cpu: CpuStats;
  memory: MemoryStats;
}
export interface Summary {
  node: { nodeName: string; startTime: string; cpu: CpuStats; memory: MemoryStats; fs?: FsStats };
  pods: PodSummary[];
}

/** A cumulative CPU counter at a time, both in nanoseconds. */
export interface CpuSample { atNs: bigint; usageNs: bigint }

/** Nanocores between two samples of a cumulative counter; 0 without a usable earlier one (first sample, restart, clock step). */
export function cpuRate(prev: CpuSample | undefined, cur: CpuSample): number {
  if (!prev || cur.atNs <= prev.atNs || cur.usageNs < prev.usageNs) return 0;
  return Math.round(Number(cur.usageNs - prev.usageNs) * 1e9 / Number(cur.atNs - prev.atNs));
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const num = (v: { value: string } | undefined) => Number(v?.value ?? 0);

/** Busy CPU time since boot, from /proc/stat's aggregate line (USER_HZ ticks), and the boot time. */
export function parseProcStat(text: string, hz = 100): { usageNs: bigint; bootMs: number } {
  const cpu = /^cpu\s+(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal: idle and iowait are not use.
  const busy = [0, 1, 2, 5, 6, 7].reduce((s, i) => s + (cpu[i] ?? 0), 0);
  const btime = Number(/^btime\s+(\d+)$/m.exec(text)?.[1] ?? 0);
  return { usageNs: BigInt(busy) * BigInt(1e9 / hz), bootMs: btime * 1000 };
}

/** Node memory from /proc/meminfo, as upstream derives it from the root cgroup: working set = usage - inactive file. */
export function parseMeminfo(text: string, time: string): MemoryStats {
  const kb = (k: string) => Number(new RegExp(`^${k.replace(/[()]/g, '\\$&')}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const total = kb('MemTotal');
  const usage = total - kb('MemFree');
  const workingSet = Math.max(0, usage - kb('Inactive(file)'));
  return { time, availableBytes: Math.max(0, total - workingSet), usageBytes: usage, workingSetBytes: workingSet, rssBytes: kb('AnonPages') };
}

interface ContainerSample { podUid: string; name: string; attempt: number; startMs: number; cpu: CpuStats; memory: MemoryStats }

export interface StatsConfig {
  cri: Pick<CriClient, 'listContainerStats' | 'listContainers'>;
  nodeName: string;
  rootDir: string;
  /** The pods this kubelet runs (as last seen from the API). */
  pods: () => any[];
  intervalMs?: number;
  now?: () => number;
  readProc?: (path: string) => string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export class StatsCollector {
  private readonly c: StatsConfig;
  private timer?: NodeJS.Timeout;
  private prevCpu = new Map<string, CpuSample>();
  private containers: ContainerSample[] = [];
  private node?: Summary['node'];
  private sampling?: Promise<void>;

  constructor(c: StatsConfig) {
    this.c = c;
  }

  start(): void {
    void this.sample().catch((err) => this.c.log?.('stats sample failed', { error: String(err) }));
    this.timer = setInterval(() => void this.sample().catch((err) => this.c.log?.('stats sample failed', { error: String(err) })), this.c.intervalMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Takes one sample of every running container and of the node; overlapping calls share one. */
  sample(): Promise<void> {
    this.sampling ??= this.takeSample().finally(() => { this.sampling = undefined; });
    return this.sampling;
  }

  private async takeSample(): Promise<void> {
    const nowMs = (this.c.now ?? Date.now)();
    const [stats, listed] = await Promise.all([this.c.cri.listContainerStats(), this.c.cri.listContainers()]);
    const created = new Map(listed.map((c) => [c.id, Number(BigInt(c.createdAt || '0') / 1_000_000n)]));
    const running = new Set(listed.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => c.id));
    const seen = new Map<string, CpuSample>();
    const samples: ContainerSample[] = [];
    for (const s of stats) {
      const id = s.attributes.id;
      if (!running.has(id)) continue;
      const sample = this.containerSample(s, nowMs, created.get(id) ?? nowMs);
      if (!sample) continue;
      seen.set(id, sample.cpuSample);
      samples.push(sample.out);
    }
    const read = this.c.readProc ?? ((p: string) => readFileSync(p, 'utf8'));
    const time = rfc3339(nowMs);
    const stat = parseProcStat(read('/proc/stat'));
    const nodeCpu: CpuSample = { atNs: BigInt(nowMs) * 1_000_000n, usageNs: stat.usageNs };
    const nodeRate = cpuRate(this.prevCpu.get(''), nodeCpu);
    seen.set('', nodeCpu);
    this.prevCpu = seen;
    this.containers = samples;
    this.node = {
      nodeName: this.c.nodeName, startTime: rfc3339(stat.bootMs),
      cpu: { time, usageNanoCores: nodeRate, usageCoreNanoSeconds: Number(stat.usageNs) },
      memory: parseMeminfo(read('/proc/meminfo'), time),
      fs: fsStats(this.c.rootDir, time),
    };
  }

  private containerSample(s: CriContainerStats, nowMs: number, startMs: number): { out: ContainerSample; cpuSample: CpuSample } | undefined {
    const podUid = s.attributes.labels?.[LABEL_POD_UID];
    const name = s.attributes.labels?.[LABEL_CONTAINER_NAME] ?? s.attributes.metadata?.name;
    if (!podUid || !name) return undefined;
    const atNs = BigInt(s.cpu?.timestamp && s.cpu.timestamp !== '0' ? s.cpu.timestamp : String(nowMs * 1e6));
    const cpuSample = { atNs, usageNs: BigInt(s.cpu?.usageCoreNanoSeconds?.value ?? '0') };
    const prev = this.prevCpu.get(s.attributes.id);
    // Our own two samples give the rate; the runtime's figure only until there are two.
    const rate = prev ? cpuRate(prev, cpuSample) : num(s.cpu?.usageNanoCores);
    const cpuTime = rfc3339(Number(atNs / 1_000_000n));
    const memTime = s.memory?.timestamp && s.memory.timestamp !== '0' ? rfc3339(Number(BigInt(s.memory.timestamp) / 1_000_000n)) : cpuTime;
    const memory: MemoryStats = {
      time: memTime, usageBytes: num(s.memory?.usageBytes), workingSetBytes: num(s.memory?.workingSetBytes), rssBytes: num(s.memory?.rssBytes),
      pageFaults: num(s.memory?.pageFaults), majorPageFaults: num(s.memory?.majorPageFaults),
      ...(s.memory?.availableBytes ? { availableBytes: num(s.memory.availableBytes) } : {}),
    };
    return {
      out: { podUid, name, attempt: s.attributes.metadata?.attempt ?? 0, startMs, cpu: { time: cpuTime, usageNanoCores: rate, usageCoreNanoSeconds: Number(cpuSample.usageNs) }, memory },
      cpuSample,
    };
  }

  /** The latest sample as a Summary (sampling first if there is none yet). */
  async summary(opts: { onlyCpuAndMemory?: boolean } = {}): Promise<Summary> {
    if (!this.node) await this.sample();
    return buildSummary(this.node!, this.containers, this.c.pods(), opts.onlyCpuAndMemory ?? false);
  }
}

function fsStats(dir: string, time: string): FsStats | undefined {
  try {
    const s = statfsSync(dir);
    return {
      time, availableBytes: s.bavail * s.bsize, capacityBytes: s.blocks * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize,
      inodesFree: s.ffree, inodes: s.files, inodesUsed: s.files - s.ffree,
    };
  } catch {
    return undefined;
  }
}

/** Groups container samples under the pods they belong to; the newest attempt of each container counts. */
export function buildSummary(node: Summary['node'], containers: ContainerSample[], pods: any[], onlyCpuAndMemory: boolean): Summary {
  const byPod = new Map<string, Map<string, ContainerSample>>();
  for (const c of containers) {
    let m = byPod.get(c.podUid);
    if (!m) byPod.set(c.podUid, (m = new Map()));
    const old = m.get(c.name);
    if (!old || old.attempt < c.attempt) m.set(c.name, c);
  }
  const out: PodSummary[] = [];
  for (const pod of pods) {
    const uid = pod.metadata?.uid;
    const samples = [...(byPod.get(uid)?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    if (samples.length === 0) continue;
    const time = samples.map((s) => s.cpu.time).sort().at(-1)!;
    const sum = (f: (s: ContainerSample) => number) => samples.reduce((t, s) => t + f(s), 0);
    out.push({
      podRef: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid },
      startTime: pod.status?.startTime ?? pod.metadata.creationTimestamp,
      containers: samples.map((s) => ({ name: s.name, startTime: rfc3339(s.startMs), cpu: s.cpu, memory: s.memory })),
      cpu: { time, usageNanoCores: sum((s) => s.cpu.usageNanoCores), usageCoreNanoSeconds: sum((s) => s.cpu.usageCoreNanoSeconds) },
      memory: { time, usageBytes: sum((s) => s.memory.usageBytes), workingSetBytes: sum((s) => s.memory.workingSetBytes), rssBytes: sum((s) => s.memory.rssBytes) },
    });
  }
  const { fs, ...rest } = node;
  return { node: onlyCpuAndMemory || !fs ? rest : { ...rest, fs }, pods: out };
}
