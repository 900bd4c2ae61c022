import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { milliCPUToQuota, milliCPUToShares, oomScoreAdjust, podCgroupPath, podResourceConfig, qosClass } from './qos.ts';
import { cgroupWrites, sharesToWeight } from './cgroups.ts';
import { resources } from './spec.ts';

const pod = (containers: any[], initContainers: any[] = []) => ({ metadata: { uid: 'u1' }, spec: { containers, initContainers } });
const res = (requests?: any, limits?: any) => ({ name: 'c', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

describe('qosClass (upstream GetPodQOS)', () => {
  const cases: [string, any, string][] = [
    ['nothing set', pod([{ name: 'c' }]), 'BestEffort'],
    ['requests equal limits for cpu and memory', pod([res({ cpu: '500m', memory: '64Mi' }, { cpu: '0.5', memory: '64Mi' })]), 'Guaranteed'],
    ['limits only (requests default to them)', pod([res(undefined, { cpu: '1', memory: '1Gi' })]), 'Guaranteed'],
    ['memory limit only', pod([res(undefined, { memory: '32Mi' })]), 'Burstable'],
    ['request below limit', pod([res({ cpu: '100m', memory: '64Mi' }, { cpu: '200m', memory: '64Mi' })]), 'Burstable'],
    ['one guaranteed container, one best effort', pod([res({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }), { name: 'd' }]), 'Burstable'],
    ['zero requests count as unset', pod([res({ cpu: '0' })]), 'BestEffort'],
    ['an init container with requests', pod([{ name: 'c' }], [res({ memory: '10Mi' })]), 'Burstable'],
  ];
  for (const [name, p, want] of cases) it(name, () => assert.equal(qosClass(p), want));
});

describe('oomScoreAdjust (upstream GetContainerOOMScoreAdjust)', () => {
  const GiB = 1024 ** 3;
  const cases: [string, any, number][] = [
    ['guaranteed', res({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }), -997],
    ['best effort', { name: 'c' }, 1000],
    ['burstable, a quarter of the node', res({ memory: '1Gi' }), 750],
    ['burstable without a memory request', res({ cpu: '100m' }), 999],
    ['burstable, more than the node', res({ memory: '8Gi' }), 3],
  ];
  for (const [name, c, want] of cases) it(name, () => assert.equal(oomScoreAdjust(pod([c]), c, 4 * GiB), want));
});

describe('pod cgroup', () => {
  it('lives under the QoS tier as upstream cgroupfs lays it out', () => {
    assert.equal(podCgroupPath('/k8ts/n1', 'u1', 'Guaranteed'), '/k8ts/n1/kubepods/podu1');
    assert.equal(podCgroupPath('/k8ts/n1', 'u1', 'Burstable'), '/k8ts/n1/kubepods/burstable/podu1');
    assert.equal(podCgroupPath('/k8ts/n1', 'u1', 'BestEffort'), '/k8ts/n1/kubepods/besteffort/podu1');
  });

  it('sums requests and limits; limits only when every container has one; the larger of apps and the biggest init', () => {
    assert.deepEqual(podResourceConfig(pod([{ name: 'c' }])), { cpuShares: 2 });
    assert.deepEqual(podResourceConfig(pod([res({ cpu: '250m' }, { cpu: '500m', memory: '32Mi' }), res({ cpu: '250m' }, { cpu: '500m', memory: '32Mi' })])),
      { cpuShares: 512, cpuQuota: 100_000, memoryLimit: 64 * 1024 * 1024 });
    assert.deepEqual(podResourceConfig(pod([res({ cpu: '250m' }, { memory: '32Mi' }), res({ cpu: '250m' })])), { cpuShares: 512 });
    assert.deepEqual(podResourceConfig(pod([res({ cpu: '100m' }, { cpu: '100m', memory: '8Mi' })], [res({ cpu: '2' }, { cpu: '2', memory: '1Gi' })])),
      { cpuShares: 2048, cpuQuota: 200_000, memoryLimit: 1024 ** 3 });
  });

  it('writes v1 and v2 files', () => {
    const cfg = { cpuShares: 512, cpuQuota: 50_000, memoryLimit: 1024 };
    assert.deepEqual(cgroupWrites('/k/podu', cfg, false), [
      ['cpu/k/podu/cpu.shares', '512'], ['cpu/k/podu/cpu.cfs_period_us', '100000'], ['cpu/k/podu/cpu.cfs_quota_us', '50000'], ['memory/k/podu/memory.limit_in_bytes', '1024']]);
    assert.deepEqual(cgroupWrites('/k/podu', { cpuShares: 2 }, true), [['k/podu/cpu.weight', '1'], ['k/podu/cpu.max', 'max 100000'], ['k/podu/memory.max', 'max']]);
    assert.equal(sharesToWeight(1024), 39);
    assert.equal(sharesToWeight(262144), 10000);
  });
});

describe('container resources as CRI LinuxContainerResources', () => {
  const cases: [string, any, any][] = [
    ['none', {}, { cpuShares: 2 }],
    ['requests and limits', { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1', memory: '64Mi' } }, { cpuShares: 256, cpuPeriod: 100_000, cpuQuota: 100_000, memoryLimitInBytes: 64 * 1024 * 1024 }],
    ['a limit without a request', { limits: { cpu: '500m' } }, { cpuShares: 512, cpuPeriod: 100_000, cpuQuota: 50_000 }],
    ['a tiny limit keeps the minimum quota', { limits: { cpu: '1m' } }, { cpuShares: 2, cpuPeriod: 100_000, cpuQuota: 1000 }],
  ];
  for (const [name, r, want] of cases) it(name, () => assert.deepEqual(resources({ resources: r }), want));
  it('shares and quota helpers', () => {
    assert.equal(milliCPUToShares(0), 2);
    assert.equal(milliCPUToShares(1000), 1024);
    assert.equal(milliCPUToQuota(0), 0);
    assert.equal(milliCPUToQuota(1500), 150_000);
  });
});
