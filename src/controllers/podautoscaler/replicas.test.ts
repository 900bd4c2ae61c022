import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALCULATOR, groupPods, podRequests, rawResourceReplicas, resourceReplicas } from './replicas.ts';
import type { PodMetrics } from './replicas.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A running pod, ready since `readyAgoS` seconds, started `startedAgoS` seconds ago, with a cpu request per container. */
function pod(name: string, o: { phase?: string; ready?: 'True' | 'False' | null; startedAgoS?: number; readyAgoS?: number; request?: string | null; deleting?: boolean } = {}): any {
  const started = NOW - (o.startedAgoS ?? 3600) * 1000;
  const ready = o.ready === null ? [] : [{ type: 'Ready', status: o.ready ?? 'True', lastTransitionTime: iso(NOW - (o.readyAgoS ?? 3600) * 1000) }];
  return {
    metadata: { name, ...(o.deleting ? { deletionTimestamp: iso(NOW) } : {}) },
    spec: { containers: [{ name: 'c', resources: o.request === null ? {} : { requests: { cpu: o.request ?? '100m', memory: '100Mi' } } }] },
    status: { phase: o.phase ?? 'Running', startTime: iso(started), conditions: ready },
  };
}

function metrics(values: Record<string, number>, ageS = 0): PodMetrics {
  return new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestamp: NOW - ageS * 1000, windowMs: 10_000 }]));
}

describe('resourceReplicas (Utilization)', () => {
  const cases: { name: string; current: number; target: number; pods: any[]; m: PodMetrics; want: number; util?: number }[] = [
    { name: 'scales up by the ratio, rounding up', current: 1, target: 50, pods: [pod('a')], m: metrics({ a: 120 }), want: 3, util: 120 },
    { name: 'stays within the 0.1 tolerance', current: 2, target: 50, pods: [pod('a'), pod('b')], m: metrics({ a: 54, b: 54 }), want: 2, util: 54 },
    { name: 'leaves the tolerance just above it', current: 2, target: 50, pods: [pod('a'), pod('b')], m: metrics({ a: 56, b: 56 }), want: 3, util: 56 },
    { name: 'scales down', current: 4, target: 50, pods: ['a', 'b', 'c', 'd'].map((n) => pod(n)), m: metrics({ a: 10, b: 10, c: 10, d: 10 }), want: 1, util: 10 },
    // Missing pods count as using 100% (capped by the target) on a scale-down: 10+10+50 over 300 is 23% → ceil(0.46 × 3) = 2.
    { name: 'missing pods on a scale-down use the target', current: 3, target: 50, pods: [pod('a'), pod('b'), pod('c')], m: metrics({ a: 10, b: 10 }), want: 2, util: 10 },
    // On a scale-up missing pods use 0: 200+0 over 200 = 100% → ceil(2 × 2) = 4.
    { name: 'missing pods on a scale-up use 0', current: 2, target: 50, pods: [pod('a'), pod('b')], m: metrics({ a: 200 }), want: 4, util: 200 },
    // 60+0 over 200 = 30%: the direction would flip, so nothing changes.
    { name: 'no change when filling in flips the direction', current: 2, target: 50, pods: [pod('a'), pod('b')], m: metrics({ a: 60 }), want: 2, util: 60 },
    // b is unready (never ready): on a scale-up it counts as 0: 300/200 = 150% → ceil(3 × 2) = 6.
    { name: 'unready pods count as 0 on a scale-up', current: 2, target: 50, pods: [pod('a'), pod('b', { ready: 'False', startedAgoS: 60, readyAgoS: 60 })], m: metrics({ a: 300, b: 300 }), want: 6, util: 300 },
    { name: 'unready pods are left out on a scale-down', current: 2, target: 50, pods: [pod('a'), pod('b', { ready: 'False', startedAgoS: 60, readyAgoS: 60 })], m: metrics({ a: 10, b: 300 }), want: 1, util: 10 },
    { name: 'pending, failed and deleted pods are ignored', current: 1, target: 50,
      pods: [pod('a'), pod('p', { phase: 'Pending' }), pod('f', { phase: 'Failed' }), pod('d', { deleting: true })], m: metrics({ a: 100, p: 900, f: 900, d: 900 }), want: 2, util: 100 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resourceReplicas(c.current, c.target, 'cpu', c.pods, c.m, DEFAULT_CALCULATOR, NOW);
      assert.equal(r.replicas, c.want);
      if (c.util !== undefined) assert.equal(r.utilization, c.util);
    });
  }

  it('reports the average usage per pod (raw)', () => {
    assert.equal(resourceReplicas(2, 50, 'cpu', [pod('a'), pod('b')], metrics({ a: 30, b: 50 }), DEFAULT_CALCULATOR, NOW).raw, 40);
  });

  it('fails with upstream messages', () => {
    assert.throws(() => resourceReplicas(1, 50, 'cpu', [], metrics({}), DEFAULT_CALCULATOR, NOW), /^Error: no pods returned by selector while calculating replica count$/);
    assert.throws(() => resourceReplicas(1, 50, 'cpu', [pod('a', { ready: 'False', startedAgoS: 5, readyAgoS: 5 })], metrics({ a: 5 }), DEFAULT_CALCULATOR, NOW),
      /^Error: did not receive metrics for targeted pods \(pods might be unready\)$/);
    assert.throws(() => resourceReplicas(1, 50, 'cpu', [pod('a', { request: null })], metrics({ a: 5 }), DEFAULT_CALCULATOR, NOW),
      /^Error: missing request for cpu in container c of Pod a$/);
  });
});

describe('groupPods: CPU initialization', () => {
  const cases: { name: string; p: any; ageS?: number; unready: boolean }[] = [
    { name: 'ready long ago', p: pod('a'), unready: false },
    { name: 'in init, sample taken a full window after ready', p: pod('a', { startedAgoS: 60, readyAgoS: 30 }), unready: false },
    { name: 'in init, sample within a window of becoming ready', p: pod('a', { startedAgoS: 60, readyAgoS: 5 }), unready: true },
    { name: 'in init, not ready', p: pod('a', { startedAgoS: 60, readyAgoS: 30, ready: 'False' }), unready: true },
    { name: 'no Ready condition', p: pod('a', { ready: null }), unready: true },
    { name: 'after init, never ready (went unready within the readiness delay)', p: pod('a', { ready: 'False', startedAgoS: 3600, readyAgoS: 3590 }), unready: true },
    { name: 'after init, unready later (was ready once)', p: pod('a', { ready: 'False', startedAgoS: 3600, readyAgoS: 600 }), unready: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const g = groupPods([c.p], metrics({ a: 1 }, c.ageS), 'cpu', DEFAULT_CALCULATOR, NOW);
      assert.equal(g.unready.has('a'), c.unready);
    });
  }
  it('does not apply readiness to memory', () => {
    assert.equal(groupPods([pod('a', { ready: 'False', startedAgoS: 5, readyAgoS: 5 })], metrics({ a: 1 }), 'memory', DEFAULT_CALCULATOR, NOW).readyPodCount, 1);
  });
});

describe('rawResourceReplicas (AverageValue)', () => {
  const cases: { name: string; current: number; target: number; m: PodMetrics; pods: any[]; want: number; usage: number }[] = [
    { name: 'scales by the average per pod', current: 2, target: 100, pods: [pod('a'), pod('b')], m: metrics({ a: 300, b: 100 }), want: 4, usage: 200 },
    { name: 'within tolerance', current: 2, target: 100, pods: [pod('a'), pod('b')], m: metrics({ a: 105, b: 100 }), want: 2, usage: 102 },
    // Missing on a scale-down use the target: (20 + 100) / 2 = 60 → ceil(0.6 × 2) = 2: the same.
    { name: 'missing pods on a scale-down use the target', current: 2, target: 100, pods: [pod('a'), pod('b')], m: metrics({ a: 20 }), want: 2, usage: 20 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = rawResourceReplicas(c.current, c.target, 'memory', c.pods, c.m, DEFAULT_CALCULATOR, NOW);
      assert.deepEqual([r.replicas, r.usage], [c.want, c.usage]);
    });
  }
});

it('podRequests sums the containers in milli-units', () => {
  const p = pod('a');
  p.spec.containers.push({ name: 'd', resources: { requests: { cpu: '0.25' } } });
  assert.deepEqual([...podRequests([p], 'cpu')], [['a', 350]]);
});
