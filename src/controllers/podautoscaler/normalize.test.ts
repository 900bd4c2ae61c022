import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Normalizer } from './normalize.ts';
import type { NormalizeInput } from './normalize.ts';

const T0 = 1_000_000_000;
const s = (n: number) => T0 + n * 1000;

function input(o: Partial<NormalizeInput>): NormalizeInput {
  return { key: 'ns/h', current: 1, desired: 1, min: 1, max: 10, ...o };
}

describe('Normalizer without behavior', () => {
  it('holds a scale-down for the downscale window, then applies it', () => {
    const n = new Normalizer(300_000);
    n.recordInitial('ns/h', 5, s(0));
    let r = n.normalize(input({ current: 5, desired: 2 }), s(10));
    assert.equal(r.replicas, 5);
    assert.deepEqual(r.able, { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
    r = n.normalize(input({ current: 5, desired: 2 }), s(299));
    assert.equal(r.replicas, 5);
    r = n.normalize(input({ current: 5, desired: 2 }), s(311));
    assert.equal(r.replicas, 2);
    assert.equal(r.able.reason, 'ReadyForNewScale');
  });

  it('limits a scale-up to max(2x, 4) and clamps to min/max', () => {
    const n = new Normalizer();
    const cases: [Partial<NormalizeInput>, number, boolean, string][] = [
      [{ current: 1, desired: 9 }, 4, true, 'ScaleUpLimit'],
      [{ current: 3, desired: 9 }, 6, true, 'ScaleUpLimit'],
      [{ current: 3, desired: 9, max: 5 }, 5, true, 'TooManyReplicas'],
      [{ current: 3, desired: 1, min: 2 }, 2, true, 'TooFewReplicas'],
      [{ current: 3, desired: 4 }, 4, false, 'DesiredWithinRange'],
    ];
    for (const [i, want, limited, reason] of cases) {
      const r = n.normalize(input({ key: JSON.stringify(i), ...i }), s(0));
      assert.deepEqual([r.replicas, r.limited, r.limit.reason], [want, limited, reason], JSON.stringify(i));
    }
  });
});

describe('Normalizer with behavior', () => {
  it('uses the scale-up stabilization window: the lowest recent recommendation', () => {
    const n = new Normalizer();
    const behavior = { scaleUp: { stabilizationWindowSeconds: 60 } };
    n.recordInitial('ns/h', 2, s(0));
    let r = n.normalize(input({ current: 2, desired: 6, behavior }), s(10));
    assert.deepEqual([r.replicas, r.able.reason], [2, 'ScaleUpStabilized']);
    r = n.normalize(input({ current: 2, desired: 6, behavior }), s(61));
    assert.equal(r.replicas, 6);
  });

  it('applies Pods and Percent policies with selectPolicy over their period', () => {
    const behavior = {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const, policies: [{ type: 'Pods' as const, value: 2, periodSeconds: 60 }, { type: 'Percent' as const, value: 50, periodSeconds: 60 }] },
    };
    const n = new Normalizer();
    // Max of +2 and +50% of 10 = 15.
    let r = n.normalize(input({ current: 10, desired: 30, max: 100, behavior }), s(0));
    assert.deepEqual([r.replicas, r.limit.reason], [15, 'ScaleUpLimit']);
    n.recordScale('ns/h', behavior, 10, 15, s(0));
    // Within the same period the start size is 10: nothing more allowed.
    r = n.normalize(input({ current: 15, desired: 30, max: 100, behavior }), s(30));
    assert.equal(r.replicas, 15);
    // After the period: 15 + 50%.
    r = n.normalize(input({ current: 15, desired: 30, max: 100, behavior }), s(61));
    assert.equal(r.replicas, 23);
    const min = { scaleUp: { ...behavior.scaleUp, selectPolicy: 'Min' as const } };
    assert.equal(new Normalizer().normalize(input({ current: 10, desired: 30, max: 100, behavior: min }), s(0)).replicas, 12);
    const off = { scaleUp: { ...behavior.scaleUp, selectPolicy: 'Disabled' as const } };
    assert.equal(new Normalizer().normalize(input({ current: 10, desired: 30, max: 100, behavior: off }), s(0)).replicas, 10);
  });

  it('rate-limits a scale-down and keeps the scale-down window', () => {
    const behavior = { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 30 }] } };
    const n = new Normalizer();
    let r = n.normalize(input({ current: 5, desired: 1, behavior }), s(0));
    assert.deepEqual([r.replicas, r.limited, r.limit.reason], [4, true, 'ScaleDownLimit']);
    n.recordScale('ns/h', behavior, 5, 4, s(0));
    r = n.normalize(input({ current: 4, desired: 1, behavior }), s(10));
    assert.equal(r.replicas, 4);
    r = n.normalize(input({ current: 4, desired: 1, behavior }), s(31));
    assert.equal(r.replicas, 3);
    // The default scale-down window (from the controller's flag) applies when behavior leaves it unset.
    const n2 = new Normalizer(120_000);
    n2.recordInitial('ns/h', 5, s(0));
    assert.equal(n2.normalize(input({ current: 5, desired: 1, behavior: { scaleUp: {} } }), s(60)).replicas, 5);
    assert.equal(n2.normalize(input({ current: 5, desired: 1, behavior: { scaleUp: {} } }), s(121)).replicas, 1);
  });
});
