import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeZoneState, evictionDecision, minTolerationSeconds, noScheduleDiff, swapTaints, toleratesTaint, zoneKey } from './taints.ts';
import type { Taint, Toleration } from './taints.ts';
import { ZoneTainter } from './zone-tainter.ts';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const notReady: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };
const dedicated: Taint = { key: 'dedicated', value: 'db', effect: 'NoExecute' };

describe('toleratesTaint', () => {
  const cases: [string, Toleration, Taint, boolean][] = [
    ['Exists on the key', { key: 'node.kubernetes.io/unreachable', operator: 'Exists' }, unreachable, true],
    ['Exists with the wrong effect', { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, unreachable, false],
    ['empty key with Exists tolerates everything', { operator: 'Exists' }, dedicated, true],
    ['Equal with the value', { key: 'dedicated', value: 'db' }, dedicated, true],
    ['Equal with another value', { key: 'dedicated', operator: 'Equal', value: 'web' }, dedicated, false],
    ['another key', { key: 'other', operator: 'Exists' }, dedicated, false],
    ['unknown operator', { key: 'dedicated', operator: 'Gt', value: 'db' }, dedicated, false],
  ];
  for (const [name, t, taint, want] of cases) it(name, () => assert.equal(toleratesTaint(t, taint), want));
});

describe('evictionDecision', () => {
  const tol = (key: string, seconds?: number): Toleration => ({ key, operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) });
  const cases: [string, Taint[], Toleration[], ReturnType<typeof evictionDecision>][] = [
    ['no NoExecute taints: cancel', [{ key: 'x', effect: 'NoSchedule' }], [], { action: 'cancel' }],
    ['an untolerated taint: evict now', [unreachable], [], { action: 'evictNow' }],
    ['one of two taints untolerated: evict now', [unreachable, dedicated], [tol('node.kubernetes.io/unreachable')], { action: 'evictNow' }],
    ['tolerated forever: cancel', [unreachable], [tol('node.kubernetes.io/unreachable')], { action: 'cancel' }],
    ['the default 300 s', [unreachable], [tol('node.kubernetes.io/unreachable', 300)], { action: 'evictAfter', seconds: 300 }],
    ['the shortest of the used tolerations', [unreachable, notReady], [tol('node.kubernetes.io/unreachable', 300), tol('node.kubernetes.io/not-ready', 30)], { action: 'evictAfter', seconds: 30 }],
    ['a forever toleration does not lengthen a finite one', [unreachable, notReady], [tol('node.kubernetes.io/unreachable'), tol('node.kubernetes.io/not-ready', 30)], { action: 'evictAfter', seconds: 30 }],
    ['a negative tolerationSeconds means now', [unreachable], [tol('node.kubernetes.io/unreachable', -5)], { action: 'evictAfter', seconds: 0 }],
  ];
  for (const [name, taints, tols, want] of cases) it(name, () => assert.deepEqual(evictionDecision(taints, tols), want));
  it('minTolerationSeconds of nothing is 0', () => assert.equal(minTolerationSeconds([]), 0));
});

describe('NoSchedule taints from conditions', () => {
  const node = (conditions: [string, string][], taints: Taint[] = [], unschedulable = false) => ({
    spec: { taints, unschedulable }, status: { conditions: conditions.map(([type, status]) => ({ type, status })) },
  });
  const keys = (ts: Taint[]) => ts.map((t) => `${t.key}:${t.effect}`);
  const cases: [string, any, string[], string[]][] = [
    ['healthy: nothing', node([['Ready', 'True'], ['MemoryPressure', 'False']]), [], []],
    ['Ready Unknown: unreachable', node([['Ready', 'Unknown']]), ['node.kubernetes.io/unreachable:NoSchedule'], []],
    ['Ready False swaps unreachable for not-ready', node([['Ready', 'False']], [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]),
      ['node.kubernetes.io/not-ready:NoSchedule'], ['node.kubernetes.io/unreachable:NoSchedule']],
    ['pressure conditions', node([['Ready', 'True'], ['DiskPressure', 'True'], ['PIDPressure', 'True'], ['MemoryPressure', 'True'], ['NetworkUnavailable', 'True']]),
      ['node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/network-unavailable:NoSchedule'], []],
    ['cordoned', node([['Ready', 'True']], [], true), ['node.kubernetes.io/unschedulable:NoSchedule'], []],
    ['uncordoned', node([['Ready', 'True']], [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), [], ['node.kubernetes.io/unschedulable:NoSchedule']],
    ['other taints are not ours', node([['Ready', 'True']], [{ key: 'dedicated', effect: 'NoSchedule' }, unreachable]), [], []],
  ];
  for (const [name, n, add, remove] of cases) {
    it(name, () => {
      const d = noScheduleDiff(n);
      assert.deepEqual([keys(d.add), keys(d.remove)], [add, remove]);
    });
  }

  it('swapTaints replaces same key and effect, stamps added ones, keeps the rest', () => {
    const got = swapTaints([dedicated, { ...notReady, timeAdded: 'old' }], [unreachable], [notReady], '2024-05-01T00:00:00Z');
    assert.deepEqual(got, [dedicated, { ...unreachable, timeAdded: '2024-05-01T00:00:00Z' }]);
  });
});

describe('zones', () => {
  const cases: [string, (string | undefined)[], string][] = [
    ['all ready', ['True', 'True'], 'Normal'],
    ['none ready', ['Unknown', 'False', undefined], 'FullDisruption'],
    ['one of three down', ['True', 'True', 'Unknown'], 'Normal'],
    ['two of two down but under three', ['True', 'Unknown', 'Unknown'], 'Normal'],
    ['three of five down', ['True', 'True', 'Unknown', 'Unknown', 'False'], 'PartialDisruption'],
    ['three of six down (under 0.55)', ['True', 'True', 'True', 'Unknown', 'Unknown', 'False'], 'Normal'],
  ];
  for (const [name, statuses, want] of cases) it(name, () => assert.equal(computeZoneState(statuses, 0.55).state, want));

  it('zone key from topology labels', () => {
    assert.equal(zoneKey({ metadata: { labels: {} } }), '');
    assert.equal(zoneKey({ metadata: { labels: { 'topology.kubernetes.io/zone': 'a', 'topology.kubernetes.io/region': 'r' } } }), 'r:\u0000:a');
    assert.equal(zoneKey({ metadata: { labels: { 'failure-domain.beta.kubernetes.io/zone': 'b' } } }), ':\u0000:b');
  });

  it('a zone tainter lets one node through at once, then one per 1/rate seconds; rate 0 holds all', () => {
    let t = 0;
    const z = new ZoneTainter(0.1, () => t);
    z.add('a');
    z.add('b');
    z.add('a');
    assert.deepEqual(z.take(), ['a']);
    t = 5_000;
    assert.deepEqual(z.take(), []);
    t = 10_000;
    assert.deepEqual(z.take(), ['b']);
    z.add('c');
    z.setRate(0);
    t = 100_000;
    assert.deepEqual(z.take(), []);
    z.remove('c');
    z.setRate(1);
    z.add('d');
    t = 101_000;
    assert.deepEqual(z.take(), ['d']);
  });
});
