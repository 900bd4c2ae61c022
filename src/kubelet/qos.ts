// Upstream's pod QoS class (GetPodQOS) and the pod-level cgroup it implies:
// the cgroupfs layout <root>/kubepods[/burstable|/besteffort]/pod<uid> and
// the pod cgroup's cpu shares, cpu quota and memory limit (upstream's
// ResourceConfigForPod: limits are set only when every container has one).
import { milliValue, parseQuantity, unitValue } from '../machinery/quantity.ts';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const COMPUTE = ['cpu', 'memory'] as const;

function amount(resource: string, q: unknown): number {
  const parsed = parseQuantity(q as string);
  return resource === 'cpu' ? milliValue(parsed) : unitValue(parsed);
}

export function qosClass(pod: any): QOSClass {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const r of COMPUTE) {
      // A limit without a request is a request of the same size (API defaulting).
      const req = c.resources?.requests?.[r] ?? c.resources?.limits?.[r];
      if (req !== undefined && amount(r, req) > 0) requests.set(r, (requests.get(r) ?? 0) + amount(r, req));
    }
    let found = 0;
    for (const r of COMPUTE) {
      const lim = c.resources?.limits?.[r];
      if (lim !== undefined && amount(r, lim) > 0) {
        found++;
        limits.set(r, (limits.get(r) ?? 0) + amount(r, lim));
      }
    }
    if (found < COMPUTE.length) guaranteed = false;
  }
  if (!requests.size && !limits.size) return 'BestEffort';
  if (guaranteed) for (const [r, v] of requests) if (limits.get(r) !== v) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** Where the pod's cgroup lives under the kubelet's cgroup root, by QoS class as upstream's cgroupfs driver lays it out. */
export function podCgroupPath(cgroupRoot: string, uid: string, qos: QOSClass): string {
  const tier = qos === 'Guaranteed' ? '' : `/${qos.toLowerCase()}`;
  return `${cgroupRoot}/kubepods${tier}/pod${uid}`;
}

/** Every place a pod's cgroup may be (its QoS class is unknown once the pod object is gone). */
export function podCgroupCandidates(cgroupRoot: string, uid: string): string[] {
  return (['Guaranteed', 'Burstable', 'BestEffort'] as const).map((q) => podCgroupPath(cgroupRoot, uid, q));
}

/** Upstream's GetContainerOOMScoreAdjust: Guaranteed -997, BestEffort 1000, Burstable by its share of the node's memory (3…999). */
export function oomScoreAdjust(pod: any, c: any, memoryCapacity: number): number {
  const qos = qosClass(pod);
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  const req = c.resources?.requests?.memory ?? c.resources?.limits?.memory;
  const bytes = req === undefined ? 0 : unitValue(parseQuantity(req));
  const adj = memoryCapacity > 0 ? 1000 - Math.trunc((1000 * bytes) / memoryCapacity) : 1000;
  if (adj < 3) return 3;
  return adj === 1000 ? 999 : adj;
}

export const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const MIN_QUOTA_US = 1000;

/** Upstream's MilliCPUToShares. */
export function milliCPUToShares(milli: number): number {
  return milli === 0 ? MIN_SHARES : Math.max(MIN_SHARES, Math.floor((milli * 1024) / 1000));
}

/** Upstream's MilliCPUToQuota (0 means no quota). */
export function milliCPUToQuota(milli: number, period = CPU_PERIOD_US): number {
  return milli === 0 ? 0 : Math.max(MIN_QUOTA_US, Math.floor((milli * period) / 1000));
}

export interface PodResourceConfig {
  cpuShares: number;
  /** CFS quota in µs per CPU_PERIOD_US; undefined: unlimited. */
  cpuQuota?: number;
  /** Bytes; undefined: unlimited. */
  memoryLimit?: number;
}

/**
 * The pod cgroup's settings: the pod's effective request/limit is the larger
 * of the app containers' sum and the largest init container, as upstream's
 * PodRequests/PodLimits compute it.
 */
export function podResourceConfig(pod: any): PodResourceConfig {
  const total = (kind: 'requests' | 'limits', r: 'cpu' | 'memory'): { sum: number; all: boolean } => {
    let all = true;
    const of = (c: any) => {
      const v = c.resources?.[kind]?.[r] ?? (kind === 'requests' ? c.resources?.limits?.[r] : undefined);
      if (v === undefined) all = false;
      return v === undefined ? 0 : amount(r, v);
    };
    const apps = (pod.spec?.containers ?? []).reduce((s: number, c: any) => s + of(c), 0);
    const inits = Math.max(0, ...(pod.spec?.initContainers ?? []).map(of));
    return { sum: Math.max(apps, inits), all };
  };
  const qos = qosClass(pod);
  const cpuReq = total('requests', 'cpu').sum;
  const cpuLim = total('limits', 'cpu');
  const memLim = total('limits', 'memory');
  if (qos === 'BestEffort') return { cpuShares: MIN_SHARES };
  const out: PodResourceConfig = { cpuShares: milliCPUToShares(cpuReq) };
  if (cpuLim.all && cpuLim.sum > 0) out.cpuQuota = milliCPUToQuota(cpuLim.sum);
  if (memLim.all && memLim.sum > 0) out.memoryLimit = memLim.sum;
  return out;
}
