// Durability under kill -9: every write the child printed as acknowledged must
// be in the database after the kill, at the revision it was acknowledged with.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSqliteBackend } from './index.ts';

const child = fileURLToPath(new URL('../../../test/storage/crash-child.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'k8ts-crash-'));
const ITERATIONS = 20;

/** Runs the child until a random moment after its first ack, kills it, returns the acked lines. */
function runAndKill(dataDir: string): Promise<{ acked: string[]; killedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--no-warnings=ExperimentalWarning', child, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const delay = 50 + Math.floor(Math.random() * 350);
    const guard = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      timer ??= setTimeout(() => p.kill('SIGKILL'), delay);
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('error', reject);
    p.on('close', (_code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      if (signal !== 'SIGKILL' || !timer) {
        reject(new Error(`child ended on its own (signal ${signal}) before the kill: ${err}`));
        return;
      }
      // A line cut by the kill has no newline and was not acknowledged in full.
      resolve({ acked: out.split('\n').slice(0, -1), killedAfterMs: delay });
    });
  });
}

describe('sqlite durability under SIGKILL', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it(`keeps every acknowledged write across ${ITERATIONS} kills`, async () => {
    const dataDir = join(root, 'data');
    let total = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const { acked } = await runAndKill(dataDir);
      assert.ok(acked.length > 0, `iteration ${i}: the child acknowledged writes`);
      total += acked.length;
      const b = await createSqliteBackend({ dataDir, compactInterval: 0 });
      try {
        let maxRev = 0;
        for (const line of acked) {
          const [key, revText, value] = line.split(' ');
          const rev = Number(revText);
          maxRev = Math.max(maxRev, rev);
          const { kv } = await b.get(key!, { revision: rev });
          assert.ok(kv, `iteration ${i}: acknowledged ${key}@${rev} is missing`);
          assert.equal(kv.modRevision, rev, `iteration ${i}: ${key}`);
          assert.equal(kv.value, value, `iteration ${i}: ${key}@${rev}`);
        }
        assert.ok((await b.currentRevision()) >= maxRev);
        // The reopened store keeps working and revisions keep growing.
        const next = await b.create(`/crash/after/${i}`, 'ok');
        assert.ok(next.modRevision > maxRev);
      } finally {
        await b.close();
      }
    }
    assert.ok(total > ITERATIONS * 20, `enough writes were acknowledged to mean something (${total})`);
  });
});
