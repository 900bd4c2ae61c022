import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatsCollector, cpuRate, parseMeminfo, parseProcStat } from './stats.ts';

describe('cpu rate', () => {
  const cases: [string, { atNs: bigint; usageNs: bigint } | undefined, { atNs: bigint; usageNs: bigint }, number][] = [
    ['no earlier sample', undefined, { atNs: 10n, usageNs: 5n }, 0],
    ['half a core over 10 s', { atNs: 0n, usageNs: 0n }, { atNs: 10_000_000_000n, usageNs: 5_000_000_000n }, 500_000_000],
    ['two cores over 1 s', { atNs: 1_000_000_000n, usageNs: 7n }, { atNs: 2_000_000_000n, usageNs: 2_000_000_007n }, 2_000_000_000],
    ['a counter that went back (restart)', { atNs: 0n, usageNs: 9n }, { atNs: 10n, usageNs: 1n }, 0],
    ['no time between', { atNs: 5n, usageNs: 1n }, { atNs: 5n, usageNs: 9n }, 0],
  ];
  for (const [name, prev, cur, want] of cases) it(name, () => assert.equal(cpuRate(prev, cur), want));
});

const PROC_STAT = 'cpu  100 20 30 1000 50 5 5 0 0 0\ncpu0 100 20 30 1000 50 5 5 0 0 0\nbtime 1700000000\n';
const MEMINFO = 'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    600 kB\nInactive(file):  300 kB\nAnonPages:       250 kB\n';

describe('node figures from /proc', () => {
  it('counts busy ticks (not idle or iowait) and reads the boot time', () => {
    assert.deepEqual(parseProcStat(PROC_STAT), { usageNs: 1_600_000_000n, bootMs: 1_700_000_000_000 });
  });
  it('derives usage, working set and available memory', () => {
    assert.deepEqual(parseMeminfo(MEMINFO, 't'), { time: 't', usageBytes: 800 * 1024, workingSetBytes: 500 * 1024, availableBytes: 500 * 1024, rssBytes: 250 * 1024 });
  });
});

describe('StatsCollector', () => {
  const stat = (id: string, uid: string, name: string, attempt: number, atSec: number, cpuNs: string, ws: string) => ({
    attributes: { id, metadata: { name, attempt }, labels: { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': name }, annotations: {} },
    cpu: { timestamp: String(BigInt(atSec) * 1_000_000_000n), usageCoreNanoSeconds: { value: cpuNs }, usageNanoCores: { value: '7' } },
    memory: { timestamp: String(BigInt(atSec) * 1_000_000_000n), workingSetBytes: { value: ws }, usageBytes: { value: ws }, rssBytes: { value: '100' } },
  });
  const listed = (id: string, state = 'CONTAINER_RUNNING') => ({ id, state, createdAt: '1700000100000000000', labels: {}, annotations: {}, podSandboxId: 's', metadata: { name: id, attempt: 0 } });

  it('serves upstream\'s Summary shape, with rates between two samples and pods as the sum of their containers', async () => {
    let now = 1_700_000_200_000;
    let round = 0;
    const rounds = [
      [stat('a', 'u1', 'app', 0, 1_700_000_200, '1000000000', '4096'), stat('b', 'u1', 'side', 0, 1_700_000_200, '0', '1024'), stat('x', 'u1', 'app', 1, 1_700_000_200, '5', '1')],
      [stat('a', 'u1', 'app', 0, 1_700_000_210, '6000000000', '8192'), stat('b', 'u1', 'side', 0, 1_700_000_210, '1000000000', '1024')],
    ];
    const cri: any = {
      listContainerStats: async () => rounds[round],
      listContainers: async () => [listed('a'), listed('b'), listed('x', 'CONTAINER_EXITED')],
    };
    const pods = [{ metadata: { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: '2023-11-14T22:15:00Z' }, status: { startTime: '2023-11-14T22:15:01Z' } },
      { metadata: { name: 'idle', namespace: 'default', uid: 'u2' } }];
    const collector = new StatsCollector({
      cri, nodeName: 'n1', rootDir: '/', pods: () => pods, now: () => now, readProc: (p) => (p === '/proc/stat' ? PROC_STAT : MEMINFO),
    });
    const first = await collector.summary();
    assert.equal(first.pods[0].containers.find((c) => c.name === 'app')!.cpu.usageNanoCores, 7, 'the runtime\'s rate until there are two samples');
    now += 10_000;
    round = 1;
    await collector.sample();
    const s = await collector.summary();
    assert.equal(s.node.nodeName, 'n1');
    assert.equal(s.node.startTime, '2023-11-14T22:13:20Z');
    assert.deepEqual(s.node.cpu, { time: '2023-11-14T22:16:50Z', usageNanoCores: 0, usageCoreNanoSeconds: 1_600_000_000 });
    assert.equal(s.node.memory.workingSetBytes, 500 * 1024);
    assert.ok(s.node.fs && s.node.fs.capacityBytes > 0);
    assert.equal(s.pods.length, 1, 'pods without containers on this node are left out');
    assert.deepEqual(s.pods[0], {
      podRef: { name: 'web', namespace: 'default', uid: 'u1' },
      startTime: '2023-11-14T22:15:01Z',
      containers: [
        {
          name: 'app', startTime: '2023-11-14T22:15:00Z',
          cpu: { time: '2023-11-14T22:16:50Z', usageNanoCores: 500_000_000, usageCoreNanoSeconds: 6_000_000_000 },
          memory: { time: '2023-11-14T22:16:50Z', usageBytes: 8192, workingSetBytes: 8192, rssBytes: 100, pageFaults: 0, majorPageFaults: 0 },
        },
        {
          name: 'side', startTime: '2023-11-14T22:15:00Z',
          cpu: { time: '2023-11-14T22:16:50Z', usageNanoCores: 100_000_000, usageCoreNanoSeconds: 1_000_000_000 },
          memory: { time: '2023-11-14T22:16:50Z', usageBytes: 1024, workingSetBytes: 1024, rssBytes: 100, pageFaults: 0, majorPageFaults: 0 },
        },
      ],
      cpu: { time: '2023-11-14T22:16:50Z', usageNanoCores: 600_000_000, usageCoreNanoSeconds: 7_000_000_000 },
      memory: { time: '2023-11-14T22:16:50Z', usageBytes: 9216, workingSetBytes: 9216, rssBytes: 200 },
    });
    const lean = await collector.summary({ onlyCpuAndMemory: true });
    assert.equal(lean.node.fs, undefined);
  });
});
