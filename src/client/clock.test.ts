import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { clockFromEnv, offsetFileClock, systemClock } from './clock.ts';

test('the offset file shifts now() and a change calls the jump listeners', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clock-'));
  const file = join(dir, 'offset');
  writeFileSync(file, '3600\n');
  const clock = offsetFileClock(file, 20);
  const shifted = clock.now().getTime() - Date.now();
  assert.ok(Math.abs(shifted - 3_600_000) < 1000, `shifted by ${shifted} ms`);
  const jumped = new Promise<void>((done) => clock.onJump(done));
  writeFileSync(file, '7200');
  await jumped;
  assert.ok(Math.abs(clock.now().getTime() - Date.now() - 7_200_000) < 1000);
  rmSync(dir, { recursive: true });
});

test('a missing or unreadable file is no offset; no env is the system clock', () => {
  const clock = offsetFileClock('/nonexistent/offset', 20);
  assert.ok(Math.abs(clock.now().getTime() - Date.now()) < 1000);
  assert.equal(clockFromEnv({}), systemClock);
});
