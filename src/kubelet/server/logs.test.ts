import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTimestamp, parseCriLine, readLogs } from './logs.ts';
import type { LogOptions } from './logs.ts';

const FILE = [
  '2024-05-01T10:00:00.1Z stdout F line 1',
  '2024-05-01T10:00:01.123456789Z stderr F line 2',
  '2024-05-01T10:00:02Z stdout P par',
  '2024-05-01T10:00:02.5Z stdout P ti',
  '2024-05-01T10:00:03Z stdout F al',
  'not a cri line',
  '2024-05-01T10:00:04+00:00 stdout F line 4',
].join('\n') + '\n';

const ALL: LogOptions = { tail: -1, limitBytes: -1, follow: false, timestamps: false };

async function read(path: string, o: Partial<LogOptions>): Promise<string> {
  const chunks: Buffer[] = [];
  await readLogs(path, { ...ALL, ...o }, { write: async (b) => { chunks.push(Buffer.from(b)); } });
  return Buffer.concat(chunks).toString();
}

describe('CRI log lines', () => {
  const cases: { line: string; want?: { time: string; stream: string; partial: boolean; content: string } }[] = [
    { line: '2024-05-01T10:00:00.1Z stdout F hello world\n', want: { time: '2024-05-01T10:00:00.1Z', stream: 'stdout', partial: false, content: 'hello world\n' } },
    { line: '2024-05-01T10:00:00Z stderr P half\n', want: { time: '2024-05-01T10:00:00Z', stream: 'stderr', partial: true, content: 'half' } },
    { line: '2024-05-01T10:00:00Z stdout P:x tagged\n', want: { time: '2024-05-01T10:00:00Z', stream: 'stdout', partial: true, content: 'tagged' } },
    { line: '2024-05-01T10:00:00Z stdout F \n', want: { time: '2024-05-01T10:00:00Z', stream: 'stdout', partial: false, content: '\n' } },
    { line: '2024-05-01T10:00:00Z stdin F nope\n' },
    { line: 'yesterday stdout F nope\n' },
    { line: '2024-05-01T10:00:00Z stdout\n' },
  ];
  for (const c of cases) {
    it(`parses ${JSON.stringify(c.line)}`, () => {
      const got = parseCriLine(Buffer.from(c.line));
      if (!c.want) return assert.equal(got, undefined);
      assert.ok(got);
      assert.deepEqual({ time: got.time, stream: got.stream, partial: got.partial, content: got.content.toString() }, c.want);
    });
  }

  it('prints timestamps with nine fraction digits', () => {
    assert.equal(formatTimestamp('2024-05-01T10:00:00.1Z'), '2024-05-01T10:00:00.100000000Z');
    assert.equal(formatTimestamp('2024-05-01T10:00:00Z'), '2024-05-01T10:00:00.000000000Z');
    assert.equal(formatTimestamp('2024-05-01T10:00:00.123456789+02:00'), '2024-05-01T10:00:00.123456789+02:00');
    assert.equal(formatTimestamp('2024-05-01T10:00:00+00:00'), '2024-05-01T10:00:00.000000000Z');
  });
});

describe('readLogs', () => {
  let dir: string;
  let path: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-logs-'));
    path = join(dir, '0.log');
    writeFileSync(path, FILE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: { name: string; opts: Partial<LogOptions>; want: string }[] = [
    { name: 'everything, partial lines joined, bad lines skipped', opts: {}, want: 'line 1\nline 2\npartial\nline 4\n' },
    { name: 'tail=1', opts: { tail: 1 }, want: 'line 4\n' },
    { name: 'tail=2 counts file lines', opts: { tail: 2 }, want: 'line 4\n' },
    { name: 'tail=3 starts inside a joined line', opts: { tail: 3 }, want: 'al\nline 4\n' },
    { name: 'tail=0', opts: { tail: 0 }, want: '' },
    { name: 'tail larger than the file', opts: { tail: 100 }, want: 'line 1\nline 2\npartial\nline 4\n' },
    { name: 'since drops older lines', opts: { since: Date.parse('2024-05-01T10:00:01Z') }, want: 'line 2\npartial\nline 4\n' },
    { name: 'since between the parts of a joined line', opts: { since: Date.parse('2024-05-01T10:00:02.2Z') }, want: 'tial\nline 4\n' },
    {
      name: 'timestamps prefix each joined line once',
      opts: { timestamps: true, tail: 5 },
      want: '2024-05-01T10:00:02.000000000Z partial\n2024-05-01T10:00:04.000000000Z line 4\n',
    },
    { name: 'limitBytes cuts mid-line', opts: { limitBytes: 10 }, want: 'line 1\nlin' },
    { name: 'limitBytes counts the timestamp', opts: { limitBytes: 12, timestamps: true }, want: '2024-05-01T1' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      assert.equal(await read(path, c.opts), c.want);
    });
  }

  it('fails on a missing file', async () => {
    await assert.rejects(read(join(dir, '9.log'), {}), { code: 'ENOENT' });
  });

  it('follows appended lines until the container stops running', async () => {
    const live = join(dir, '1.log');
    writeFileSync(live, '2024-05-01T10:00:00Z stdout F first\n');
    let running = true;
    const chunks: string[] = [];
    const done = readLogs(live, { ...ALL, follow: true }, { write: async (b) => { chunks.push(b.toString()); } }, { isRunning: async () => running, checkMs: 50 });
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(live, '2024-05-01T10:00:01Z stdout F sec');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(chunks.join(''), 'first\n', 'a line without its newline waits for the rest');
    appendFileSync(live, 'ond\n2024-05-01T10:00:02Z stdout F third\n');
    running = false;
    await done;
    assert.equal(chunks.join(''), 'first\nsecond\nthird\n');
  });

  it('stops following when the client goes away', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const done = readLogs(path, { ...ALL, follow: true, tail: 1 }, { write: async () => {} }, { isRunning: async () => true, signal: ac.signal, checkMs: 5000 });
    setTimeout(() => ac.abort(), 50);
    await done;
    assert.ok(Date.now() - started < 2000);
  });

  it('follow with tail starts at the tail and ignores the line count', async () => {
    const chunks: string[] = [];
    await readLogs(path, { ...ALL, follow: true, tail: 1 }, { write: async (b) => { chunks.push(b.toString()); } }, { isRunning: async () => false, checkMs: 20 });
    assert.equal(chunks.join(''), 'line 4\n');
  });
});
