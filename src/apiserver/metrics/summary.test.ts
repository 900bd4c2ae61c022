import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CounterMemory, parseSummary } from './summary.ts';
import { collectNodeMetrics, collectPodMetrics, usageQuantities } from './handler.ts';
import type { NodeSummary } from './summary.ts';
import { metricsTable } from './table.ts';

const T = '2026-01-01T12:00:00Z';
const NOW = new Date('2026-01-01T12:00:05Z');

// The shape upstream's kubelet writes (statsapi.Summary), trimmed to what metrics use.
const SUMMARY = {
  node: { nodeName: 'n1', cpu: { time: T, usageNanoCores: 1_500_000_000, usageCoreNanoSeconds: 9e12 }, memory: { time: T, workingSetBytes: 2 * 1024 ** 3, usageBytes: 3 * 1024 ** 3 } },
  pods: [
    {
      podRef: { name: 'web', namespace: 'default', uid: 'u1' },
      containers: [
        { name: 'a', cpu: { time: T, usageNanoCores: 250_000_000 }, memory: { time: T, workingSetBytes: 40 * 1024 ** 2 } },
        { name: 'b', cpu: { time: T, usageNanoCores: 1_234_567 }, memory: { time: T, workingSetBytes: 1000 } },
      ],
    },
    { podRef: { name: 'nomem', namespace: 'default', uid: 'u2' }, containers: [{ name: 'a', cpu: { time: T, usageNanoCores: 1 } }] },
    { podRef: { name: 'empty', namespace: 'default', uid: 'u3' }, containers: [] },
  ],
};

describe('parseSummary', () => {
  it('reads usageNanoCores and the working set; drops pods with incomplete containers', () => {
    const s = parseSummary(SUMMARY, 'n1', new CounterMemory(), NOW);
    assert.deepEqual(s.node, { cpuNanoCores: 1_500_000_000, memoryBytes: 2 * 1024 ** 3, timestamp: T, windowSeconds: 10 });
    assert.deepEqual(s.pods.map((p) => p.name), ['web']);
    assert.deepEqual(s.pods[0].containers, [
      { name: 'a', cpuNanoCores: 250_000_000, memoryBytes: 40 * 1024 ** 2 },
      { name: 'b', cpuNanoCores: 1_234_567, memoryBytes: 1000 },
    ]);
  });

  it('turns cumulative CPU into a rate across scrapes when usageNanoCores is absent', () => {
    const memory = new CounterMemory();
    const at = (time: string, ns: number) => ({
      node: { cpu: { time, usageCoreNanoSeconds: ns }, memory: { time, workingSetBytes: 1 } },
      pods: [{ podRef: { name: 'p', namespace: 'd', uid: 'u' }, containers: [{ name: 'c', cpu: { time, usageCoreNanoSeconds: ns }, memory: { time, workingSetBytes: 5 } }] }],
    });
    const first = parseSummary(at('2026-01-01T12:00:00Z', 1e9), 'n', memory, NOW);
    assert.equal(first.node, undefined);
    assert.deepEqual(first.pods, []);
    const second = parseSummary(at('2026-01-01T12:00:10Z', 6e9), 'n', memory, NOW);
    assert.deepEqual(second.node, { cpuNanoCores: 5e8, memoryBytes: 1, timestamp: '2026-01-01T12:00:10Z', windowSeconds: 10 });
    assert.equal(second.pods[0].containers[0].cpuNanoCores, 5e8);
    // A restarted container (counter went down) has no rate until its next sample.
    assert.deepEqual(parseSummary(at('2026-01-01T12:00:20Z', 1e9), 'n', memory, NOW).pods, []);
  });
});

describe('metrics objects', () => {
  it('prints usage as metrics-server does', () => {
    const cases: [number, number, { cpu: string; memory: string }][] = [
      [250_000_000, 40 * 1024 ** 2, { cpu: '250m', memory: '40Mi' }],
      [1_234_567, 1000, { cpu: '1234567n', memory: '1k' }],
      [2e9, 1536 * 1024, { cpu: '2', memory: '1536Ki' }],
      [0, 0, { cpu: '0', memory: '0' }],
    ];
    for (const [cpu, mem, want] of cases) assert.deepEqual(usageQuantities({ cpuNanoCores: cpu, memoryBytes: mem }), want);
  });

  const source = (m: Record<string, NodeSummary>) => ({ summaries: async (nodes: any[]) => new Map(nodes.filter((n) => m[n.metadata.name]).map((n) => [n.metadata.name, m[n.metadata.name]])) });
  const parsed = parseSummary(SUMMARY, 'n1', new CounterMemory(), NOW);

  it('joins pods with their node\'s summary (matching uid) and keeps their labels', async () => {
    const pods = [
      { metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web' } }, spec: { nodeName: 'n1' } },
      { metadata: { name: 'web', namespace: 'other', uid: 'u9' }, spec: { nodeName: 'n1' } },
      { metadata: { name: 'pending', namespace: 'default', uid: 'u5' }, spec: {} },
    ];
    const scraped: string[] = [];
    const src = { summaries: async (nodes: any[]) => { scraped.push(...nodes.map((n) => n.metadata.name)); return source({ n1: parsed }).summaries(nodes); } };
    const out: any[] = await collectPodMetrics(pods, (n) => ({ metadata: { name: n } }), src, NOW);
    assert.deepEqual(scraped, ['n1']);
    assert.equal(out.length, 1);
    assert.deepEqual(out[0], {
      kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T12:00:05Z', labels: { app: 'web' } },
      timestamp: T, window: '10s',
      containers: [{ name: 'a', usage: { cpu: '250m', memory: '40Mi' } }, { name: 'b', usage: { cpu: '1234567n', memory: '1k' } }],
    });
  });

  it('leaves out nodes that could not be scraped', async () => {
    const out: any[] = await collectNodeMetrics([{ metadata: { name: 'n1' } }, { metadata: { name: 'gone' } }], source({ n1: parsed }), NOW);
    assert.deepEqual(out.map((n) => [n.metadata.name, n.usage]), [['n1', { cpu: '1500m', memory: '2Gi' }]]);
  });
});

it('prints PodMetrics and NodeMetrics as a Table of name, CPU, memory and window', () => {
  const pod = { metadata: { name: 'web' }, window: '10s', containers: [{ name: 'a', usage: { cpu: '250m', memory: '40Mi' } }, { name: 'b', usage: { cpu: '1234567n', memory: '24Mi' } }] };
  const node = { metadata: { name: 'n1' }, window: '10.5s', usage: { cpu: '1500m', memory: '2Gi' } };
  const t: any = metricsTable([pod, node], 'None');
  assert.deepEqual(t.columnDefinitions.map((c: any) => c.name), ['Name', 'CPU', 'Memory', 'Window']);
  assert.deepEqual(t.rows, [{ cells: ['web', '251234567n', '64Mi', '10s'] }, { cells: ['n1', '1500m', '2Gi', '10.5s'] }]);
  assert.deepEqual((metricsTable([node]) as any).rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'n1' } });
});
