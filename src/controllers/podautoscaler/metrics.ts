// The autoscaler's resource metrics client: PodMetrics of the target's
// pods from metrics.k8s.io/v1beta1, through the API (upstream's
// resourceMetricsClient), summed over each pod's containers in
// milli-units (or only the named container's, for ContainerResource). A
// pod with a container lacking the resource is left out.
import type { Client } from '../../client/rest.ts';
import { parseQuantity, milliValue } from '../../machinery/quantity.ts';
import type { PodMetrics } from './replicas.ts';

export interface MetricsSource {
  podMetrics(namespace: string, selector: string): Promise<any[]>;
}

export function apiMetricsSource(client: Client): MetricsSource {
  return {
    async podMetrics(namespace, selector) {
      const q = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
      const list = await client.request('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods${q}`);
      return list?.items ?? [];
    },
  };
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };

/** A Go duration ("10s", "1m0.5s") in ms; 0 when unreadable. */
export function durationMs(v: string | undefined): number {
  let total = 0;
  const re = /([\d.]+)(ms|us|µs|ns|h|m|s)/g;
  for (const m of (v ?? '').matchAll(re)) total += Number(m[1]) * UNIT_MS[m[2]];
  return Math.round(total);
}

export async function resourceMetric(source: MetricsSource, resource: string, namespace: string, selector: string, container = ''): Promise<{ metrics: PodMetrics; timestamp: number }> {
  let items: any[];
  try {
    items = await source.podMetrics(namespace, selector);
  } catch (err) {
    throw new Error(`unable to fetch metrics from resource metrics API: ${(err as Error).message}`);
  }
  if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
  const metrics: PodMetrics = new Map();
  for (const m of items) {
    const containers: any[] = (m.containers ?? []).filter((c: any) => !container || c.name === container);
    let sum = 0;
    let missing = containers.length === 0;
    for (const c of containers) {
      const v = c.usage?.[resource];
      if (v === undefined) {
        missing = true;
        break;
      }
      sum += milliValue(parseQuantity(v));
    }
    if (!missing) metrics.set(m.metadata.name, { value: sum, timestamp: Date.parse(m.timestamp), windowMs: durationMs(m.window) });
  }
  return { metrics, timestamp: Date.parse(items[0].timestamp) };
}
