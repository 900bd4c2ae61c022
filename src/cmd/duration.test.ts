import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs } from './duration.ts';

test('parses Go durations and refuses anything else', () => {
  const ok: [string, number][] = [['0', 0], ['300ms', 300], ['40s', 40_000], ['1m30s', 90_000], ['2h', 7_200_000], ['1.5s', 1500], ['10us', 0.01]];
  for (const [t, ms] of ok) assert.equal(parseDurationMs(t), ms, t);
  for (const bad of ['', '40', 's', '1x', '1m 30s', '-1s', '1s2']) assert.equal(parseDurationMs(bad), undefined, bad);
});
