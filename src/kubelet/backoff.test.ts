import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, goDuration } from './backoff.ts';

describe('Backoff (restart back-off)', () => {
  it('first failure retries at once, then 10 s, 20 s, … capped at 5 min', () => {
    let now = 1_000_000;
    const b = new Backoff(10_000, 300_000, () => now);
    assert.equal(b.inBackoffSince('k', now), false);
    b.next('k', now);
    assert.equal(b.get('k'), 10_000);
    assert.equal(b.inBackoffSince('k', now), true);
    now += 10_001;
    assert.equal(b.inBackoffSince('k', now - 10_001), false);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      b.next('k', now);
      delays.push(b.get('k'));
    }
    assert.deepEqual(delays, [20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000]);
  });
  it('forgets an entry idle for twice the cap', () => {
    let now = 0;
    const b = new Backoff(10_000, 300_000, () => now);
    b.next('k', now);
    b.next('k', now);
    now += 600_001;
    assert.equal(b.inBackoffSince('k', now), false);
    b.next('k', now);
    assert.equal(b.get('k'), 10_000);
  });
});

describe('goDuration', () => {
  const cases: [number, string][] = [[10_000, '10s'], [40_000, '40s'], [80_000, '1m20s'], [300_000, '5m0s']];
  for (const [ms, want] of cases) it(want, () => assert.equal(goDuration(ms), want));
});
