// The replica calculator for resource metrics, as upstream's: pods are
// grouped into ready, unready (CPU only: still initialising, or not yet
// ready), missing (no metrics) and ignored (deleted, failed, finished or
// pending); the usage ratio decides, within the tolerance; when some pods
// are unready or missing, the ratio is recomputed treating them
// conservatively (0 on a scale-up, the target on a scale-down) and no
// change is made if that would flip the direction.
import { parseQuantity, milliValue } from '../../machinery/quantity.ts';

export interface PodMetric {
  /** Milli-units: millicores, or milli-bytes for memory (as upstream's MilliValue). */
  value: number;
  timestamp: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalculatorConfig {
  tolerance: number;
  cpuInitializationPeriodMs: number;
  delayOfInitialReadinessStatusMs: number;
}

export const DEFAULT_CALCULATOR: CalculatorConfig = { tolerance: 0.1, cpuInitializationPeriodMs: 5 * 60_000, delayOfInitialReadinessStatusMs: 30_000 };

export interface Grouped {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

function time(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

export function groupPods(pods: any[], metrics: PodMetrics, resource: string, cfg: CalculatorConfig, now: number): Grouped {
  const g: Grouped = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name;
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp || phase === 'Failed' || phase === 'Succeeded' || phase === 'Pending' || !phase) {
      g.ignored.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = (pod.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      const start = time(pod.status?.startTime);
      let unready: boolean;
      if (!ready || start === undefined) unready = true;
      else {
        const transition = time(ready.lastTransitionTime) ?? 0;
        if (start + cfg.cpuInitializationPeriodMs > now) {
          // Still initialising: the sample counts only once a full window was taken since the pod became ready.
          unready = ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // Past initialisation: ignore a pod that has never been ready.
          unready = ready.status === 'False' && start + cfg.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Each pod's total request of the resource (or one container's), in milli-units; an error names the first container without one. */
export function podRequests(pods: any[], resource: string, container = ''): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue;
      const req = c.resources?.requests?.[resource];
      if (req === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += milliValue(parseQuantity(req));
    }
    out.set(pod.metadata.name, sum);
  }
  return out;
}

export function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, target: number): { ratio: number; utilization: number; raw: number } {
  let used = 0;
  let requested = 0;
  let entries = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue; // metrics of pods we do not know are extraneous
    used += m.value;
    requested += r;
    entries++;
  }
  if (requested === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / target, utilization, raw: Math.trunc(used / entries) };
}

export function usageRatio(metrics: PodMetrics, target: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / target, usage };
}

interface Prepared {
  metrics: PodMetrics;
  grouped: Grouped;
}

function prepare(pods: any[], metrics: PodMetrics, resource: string, cfg: CalculatorConfig, now: number): Prepared {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const grouped = groupPods(pods, metrics, resource, cfg, now);
  const kept: PodMetrics = new Map([...metrics].filter(([n]) => !grouped.ignored.has(n) && !grouped.unready.has(n)));
  if (kept.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  return { metrics: kept, grouped };
}

/** The second pass when pods are unready or missing: fill them in conservatively, never flipping direction. */
function rebalance(p: Prepared, currentReplicas: number, ratio: number, fillMissingDown: (name: string) => number, recompute: (m: PodMetrics) => number, tolerance: number): number {
  const { grouped, metrics } = p;
  const scaleUpWithUnready = grouped.unready.size > 0 && ratio > 1;
  if (grouped.missing.size > 0) {
    for (const name of grouped.missing) metrics.set(name, { value: ratio < 1 ? fillMissingDown(name) : 0, timestamp: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const name of grouped.unready) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  const next = recompute(metrics);
  if (Math.abs(1 - next) <= tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return currentReplicas;
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return currentReplicas;
  return replicas;
}

/** Replicas for a Utilization target (percent of requests). */
export function resourceReplicas(currentReplicas: number, target: number, resource: string, pods: any[], metrics: PodMetrics, cfg: CalculatorConfig, now: number, container = ''):
  { replicas: number; utilization: number; raw: number } {
  const p = prepare(pods, metrics, resource, cfg, now);
  const requests = podRequests(pods, resource, container);
  const { ratio, utilization, raw } = utilizationRatio(p.metrics, requests, target);
  const scaleUpWithUnready = p.grouped.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && p.grouped.missing.size === 0) {
    if (Math.abs(1 - ratio) <= cfg.tolerance) return { replicas: currentReplicas, utilization, raw };
    return { replicas: Math.ceil(ratio * p.grouped.readyPodCount), utilization, raw };
  }
  const fallback = Math.min(100, target);
  const replicas = rebalance(p, currentReplicas, ratio, (n) => Math.trunc(((requests.get(n) ?? 0) * fallback) / 100),
    (m) => utilizationRatio(m, requests, target).ratio, cfg.tolerance);
  return { replicas, utilization, raw };
}

/** Replicas for an AverageValue target (milli-units per pod). */
export function rawResourceReplicas(currentReplicas: number, target: number, resource: string, pods: any[], metrics: PodMetrics, cfg: CalculatorConfig, now: number):
  { replicas: number; usage: number } {
  const p = prepare(pods, metrics, resource, cfg, now);
  const { ratio, usage } = usageRatio(p.metrics, target);
  const scaleUpWithUnready = p.grouped.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && p.grouped.missing.size === 0) {
    if (Math.abs(1 - ratio) <= cfg.tolerance) return { replicas: currentReplicas, usage };
    return { replicas: Math.ceil(ratio * p.grouped.readyPodCount), usage };
  }
  const replicas = rebalance(p, currentReplicas, ratio, () => target, (m) => usageRatio(m, target).ratio, cfg.tolerance);
  return { replicas, usage };
}
