import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secondsTimestamp } from './time.ts';

test('secondsTimestamp drops the fraction, within a second and across seconds', () => {
  const cases: [number, string][] = [
    [Date.UTC(2026, 10, 23, 15, 4, 5, 0), '2026-11-23T15:04:05Z'],
    [Date.UTC(2026, 10, 23, 15, 4, 5, 999), '2026-11-23T15:04:05Z'],
    [Date.UTC(2026, 10, 23, 15, 4, 6, 1), '2026-11-23T15:04:06Z'],
    [Date.UTC(2026, 10, 23, 15, 4, 5, 500), '2026-11-23T15:04:05Z'],
    [-1, '1969-12-31T23:59:59Z'],
    [0, '1970-01-01T00:00:00Z'],
  ];
  for (const [ms, want] of cases) {
    assert.equal(secondsTimestamp(new Date(ms)), want);
    assert.equal(secondsTimestamp(new Date(ms)), new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));
  }
});

test('an invalid date throws as toISOString does', () => {
  assert.throws(() => secondsTimestamp(new Date(NaN)), RangeError);
});
