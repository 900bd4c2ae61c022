import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatePayloadPath, writeAtomic } from './atomic-writer.ts';
import type { FileProjection } from './atomic-writer.ts';

const f = (s: string, mode = 0o644): FileProjection => ({ data: Buffer.from(s), mode });

describe('writeAtomic', () => {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'aw-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes into a timestamped dir behind ..data, with one symlink per top-level name', async () => {
    const changed = await writeAtomic(dir, new Map([['a', f('1')], ['sub/b', f('2', 0o400)]]), new Date('2024-05-06T07:08:09Z'));
    assert.equal(changed, true);
    const ts = readlinkSync(join(dir, '..data'));
    assert.match(ts, /^\.\.2024_05_06_07_08_09\.\w+$/);
    assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
    assert.equal(readlinkSync(join(dir, 'sub')), '..data/sub');
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '1');
    assert.equal(readFileSync(join(dir, 'sub/b'), 'utf8'), '2');
    assert.equal(statSync(join(dir, 'sub/b')).mode & 0o777, 0o400);
    assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o644);
  });

  it('leaves an unchanged payload alone and swaps a changed one, dropping the old dir and stale names', async () => {
    await writeAtomic(dir, new Map([['a', f('1')], ['gone', f('x')]]));
    const first = readlinkSync(join(dir, '..data'));
    assert.equal(await writeAtomic(dir, new Map([['a', f('1')], ['gone', f('x')]])), false);
    assert.equal(readlinkSync(join(dir, '..data')), first);
    assert.equal(await writeAtomic(dir, new Map([['a', f('1', 0o600)], ['gone', f('x')]])), true, 'a mode change is a change');
    assert.equal(await writeAtomic(dir, new Map([['a', f('2')]])), true);
    const second = readlinkSync(join(dir, '..data'));
    assert.notEqual(second, first);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '2');
    assert.equal(existsSync(join(dir, 'gone')), false);
    assert.deepEqual(readdirSync(dir).sort(), ['..data', second, 'a'].sort());
    assert.ok(lstatSync(join(dir, 'a')).isSymbolicLink());
  });

  it('an empty payload leaves only ..data', async () => {
    await writeAtomic(dir, new Map());
    assert.equal(readdirSync(dir).filter((n) => !n.startsWith('..')).length, 0);
    assert.ok(existsSync(join(dir, '..data')));
  });

  const bad: [string, RegExp][] = [['/abs', /must be relative/], ['a/../b', /must not contain '\.\.'/], ['..x', /must not start with '\.\.'/], ['', /must not be empty/]];
  for (const [p, re] of bad) {
    it(`rejects the path "${p}"`, async () => {
      assert.match(validatePayloadPath(p) ?? '', re);
      await assert.rejects(writeAtomic(dir, new Map([[p, f('x')]])), re);
    });
  }
});
