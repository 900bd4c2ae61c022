import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatsAddress } from './hollow.ts';

it('reads --stats-address, leaving the default to the hollow cluster when absent', () => {
  assert.deepEqual(parseStatsAddress(undefined), {});
  assert.deepEqual(parseStatsAddress('10.0.0.5'), { address: '10.0.0.5' });
  assert.deepEqual(parseStatsAddress(' ::1 '), { address: '::1' });
  for (const bad of ['', '  ', 'a b', 'http://x']) assert.throws(() => parseStatsAddress(bad), /--stats-address/);
});
