// Measuring helpers for the storage benchmark: realistic pod-like values,
// time-bounded concurrent loops, percentiles and medians.

/** A pod-like JSON object of about `bytes` bytes (default 1 KiB), as the apiserver stores it. */
export function podValue(i: number, bytes = 1024): string {
  const name = `web-${i.toString(36).padStart(6, '0')}-x7k2p`;
  const pod = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name, namespace: 'bench', uid: `6f1d2c3a-${String(i).padStart(4, '0').slice(-4)}-4b1e-9c7d-0a1b2c3d4e5f`,
      resourceVersion: '', creationTimestamp: '2025-01-01T00:00:00Z',
      labels: { app: 'web', 'pod-template-hash': '7f9c8d6b5' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7f9c8d6b5', uid: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [{
        name: 'web', image: 'registry.local/web:1.0', ports: [{ containerPort: 8080, protocol: 'TCP' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' } },
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent',
      }],
      restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', serviceAccountName: 'default',
      nodeName: `node-${i % 100}`, schedulerName: 'default-scheduler',
    },
    status: { phase: 'Running', podIP: `10.244.${(i >> 8) & 255}.${i & 255}`, qosClass: 'Burstable', pad: '' },
  };
  const base = JSON.stringify(pod);
  pod.status.pad = 'x'.repeat(Math.max(0, bytes - base.length));
  return JSON.stringify(pod);
}

export interface LoopResult {
  ops: number;
  seconds: number;
  rate: number;
  /** Per-operation latencies in ms (only when recorded). */
  latencies: number[];
}

/**
 * Runs `workers` concurrent loops of op(worker, n) for about `seconds`
 * (and at most maxOps operations in all); returns the completed rate.
 */
export async function timedLoop(
  workers: number, seconds: number, op: (worker: number, n: number) => Promise<unknown>,
  opts: { maxOps?: number; recordLatency?: boolean } = {},
): Promise<LoopResult> {
  const latencies: number[] = [];
  const maxOps = opts.maxOps ?? Infinity;
  let started = 0;
  let done = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async (w: number) => {
    for (let n = 0; performance.now() < end && started < maxOps; n++) {
      started++;
      const s = performance.now();
      await op(w, n);
      if (opts.recordLatency) latencies.push(performance.now() - s);
      done++;
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  const secs = (performance.now() - t0) / 1000;
  return { ops: done, seconds: secs, rate: done / secs, latencies };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function median(values: number[]): number {
  return percentile(values.filter((v) => Number.isFinite(v)), 50);
}

/** Milliseconds that fn takes, the median of `times` calls. */
export async function timeMedian(times: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

/** Runs items through fn with at most `concurrency` in flight. */
export async function pool<T>(items: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items) }, async () => {
    while (next < items) await fn(next++);
  }));
}
