import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podRequests } from './resources.ts';
import { milliValue, value } from './quantity.ts';

describe('quantities', () => {
  const cases: [string, (q: string) => number, number][] = [
    ['100m', milliValue, 100], ['1', milliValue, 1000], ['1.5', milliValue, 1500], ['0.0001', milliValue, 1],
    ['1Ki', value, 1024], ['1Gi', value, 2 ** 30], ['1G', value, 1e9], ['1e3', value, 1000], ['500m', value, 1],
  ];
  for (const [q, f, want] of cases) it(`${q} → ${want}`, () => assert.equal(f(q), want));
  it('rejects garbage', () => assert.throws(() => value('1 cpu'), /quantities must match/));
});

describe('podRequests', () => {
  const c = (cpu: string, extra: any = {}) => ({ name: 'c', resources: { requests: { cpu } }, ...extra });
  const cases: { name: string; spec: any; cpu: number; nonZeroCpu?: number; nonZeroMem?: number }[] = [
    { name: 'sum of containers', spec: { containers: [c('100m'), c('200m')] }, cpu: 300 },
    { name: 'an init container larger than the app', spec: { initContainers: [c('1')], containers: [c('100m')] }, cpu: 1000 },
    { name: 'sidecars add to app containers', spec: { initContainers: [c('200m', { restartPolicy: 'Always' })], containers: [c('300m')] }, cpu: 500 },
    { name: 'sidecars add to later init steps', spec: { initContainers: [c('200m', { restartPolicy: 'Always' }), c('1')], containers: [c('100m')] }, cpu: 1200 },
    { name: 'pod overhead', spec: { containers: [c('100m')], overhead: { cpu: '50m' } }, cpu: 150 },
    { name: 'best effort counts defaults when non-zero', spec: { containers: [{ name: 'c' }] }, cpu: 0, nonZeroCpu: 100, nonZeroMem: 200 * 1024 * 1024 },
  ];
  for (const t of cases) {
    it(t.name, () => {
      assert.equal(podRequests({ spec: t.spec }).milliCPU, t.cpu);
      if (t.nonZeroCpu !== undefined) assert.equal(podRequests({ spec: t.spec }, true).milliCPU, t.nonZeroCpu);
      if (t.nonZeroMem !== undefined) assert.equal(podRequests({ spec: t.spec }, true).memory, t.nonZeroMem);
    });
  }
});
