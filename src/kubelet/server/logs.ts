// Reads a container's CRI log file the way upstream's kubelet serves
// `kubectl logs`: each file line is `<RFC3339Nano> <stdout|stderr> <F|P>
// <text>`; P (partial) lines are joined with the next one; tail counts file
// lines from the end; since drops older lines; timestamps prefix each
// joined line with a fixed-width nanosecond time; limitBytes cuts the
// output short; follow keeps reading until the container stops running or
// the client goes away.
import { open, watch } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface LogOptions {
  /** File lines from the end to start at; -1 reads the whole file. */
  tail: number;
  /** Stop after this many bytes of output; -1 is no limit. */
  limitBytes: number;
  /** Epoch milliseconds; lines stamped before it are skipped. */
  since?: number;
  follow: boolean;
  timestamps: boolean;
}

export interface CriLogLine {
  /** The timestamp as written, e.g. 2024-05-01T10:00:00.5Z. */
  time: string;
  /** The timestamp in epoch milliseconds. */
  ms: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  /** The text; a full (F) line keeps its newline, a partial one has none. */
  content: Buffer;
}

const TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** One file line (without or with its trailing newline), or undefined when it is not in CRI format. */
export function parseCriLine(line: Buffer): CriLogLine | undefined {
  const s1 = line.indexOf(0x20);
  if (s1 < 0) return undefined;
  const time = line.subarray(0, s1).toString('latin1');
  const m = TIME.exec(time);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const s2 = line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.subarray(s1 + 1, s2).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const s3 = line.indexOf(0x20, s2 + 1);
  if (s3 < 0) return undefined;
  // Tags may grow (`P:more`); only the first one matters.
  const partial = line.subarray(s2 + 1, s3).toString('latin1').split(':')[0] === 'P';
  let content = line.subarray(s3 + 1);
  if (partial && content.at(-1) === 0x0a) content = content.subarray(0, -1);
  return { time, ms, stream, partial, content };
}

/** RFC3339Nano with all nine fraction digits, as upstream prints --timestamps (a zero offset prints as Z). */
export function formatTimestamp(time: string): string {
  const m = TIME.exec(time);
  if (!m) return time;
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3];
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${zone}`;
}

/** Byte offset where the last n lines of the file begin (0 when it has fewer; the end for n = 0). */
export async function tailOffset(fh: FileHandle, n: number): Promise<number> {
  if (n < 0) return 0;
  const { size } = await fh.stat();
  const block = Buffer.alloc(64 * 1024);
  // The newline ending the last line is not a separator: n lines need n+1 newlines behind them.
  let seen = 0;
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - block.length);
    const { bytesRead } = await fh.read(block, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (block[i] === 0x0a && ++seen === n + 1) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

export interface LogSink {
  /** Writes output; resolves once the consumer can take more. */
  write(chunk: Buffer): Promise<void>;
}

export interface FollowControl {
  /** Whether the container still runs (follow stops once it does not and the file is drained). */
  isRunning(): Promise<boolean>;
  signal?: AbortSignal;
  /** How long to wait for a change before asking isRunning again (upstream: 1 s). */
  checkMs?: number;
}

/** Writes what the options select from one CRI log file to the sink. */
export async function readLogs(path: string, opts: LogOptions, sink: LogSink, ctl?: FollowControl): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await new LogCopier(fh, path, opts, sink, ctl).run();
  } finally {
    await fh.close();
  }
}

class LogCopier {
  private readonly fh: FileHandle;
  private readonly path: string;
  private readonly opts: LogOptions;
  private readonly sink: LogSink;
  private readonly ctl?: FollowControl;
  private remaining: number;
  private linesLeft: number;
  private newLine = true;
  private pos = 0;
  private pending = Buffer.alloc(0);

  constructor(fh: FileHandle, path: string, opts: LogOptions, sink: LogSink, ctl?: FollowControl) {
    this.fh = fh;
    this.path = path;
    this.opts = opts;
    this.sink = sink;
    this.ctl = ctl;
    this.remaining = opts.limitBytes >= 0 ? opts.limitBytes : Infinity;
    // Upstream counts tail lines only when not following.
    this.linesLeft = opts.tail >= 0 && !opts.follow ? opts.tail : Infinity;
  }

  async run(): Promise<void> {
    this.pos = await tailOffset(this.fh, this.opts.tail);
    if (this.remaining === 0) return;
    if (!this.opts.follow) {
      await this.drain(true);
      return;
    }
    const ac = new AbortController();
    const signal = this.ctl?.signal ? AbortSignal.any([this.ctl.signal, ac.signal]) : ac.signal;
    const events = watch(dirname(this.path), { signal })[Symbol.asyncIterator]();
    const name = basename(this.path);
    let watching = true;
    let next: Promise<boolean> | undefined;
    const nextChange = () => (next ??= events.next().then((r) => {
      next = undefined;
      if (r.done) watching = false;
      return !r.done && (r.value.filename === null || r.value.filename === name);
    }, () => {
      next = undefined;
      watching = false;
      return false;
    }));
    try {
      for (;;) {
        if (await this.drain(false)) return;
        if (signal.aborted) return;
        let timer: NodeJS.Timeout | undefined;
        const changed = await Promise.race([
          ...(watching ? [nextChange()] : []),
          new Promise<false>((r) => { timer = setTimeout(() => r(false), this.ctl?.checkMs ?? 1000); }),
        ]);
        clearTimeout(timer);
        if (signal.aborted) return;
        if (!changed && !(await this.ctl?.isRunning().catch(() => false))) {
          await this.drain(true);
          return;
        }
      }
    } finally {
      ac.abort();
    }
  }

  /** Copies every complete line now in the file; true when output should stop (limits reached). */
  private async drain(atEnd: boolean): Promise<boolean> {
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.pos);
      if (bytesRead === 0) break;
      this.pos += bytesRead;
      this.pending = this.pending.length ? Buffer.concat([this.pending, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
      let start = 0;
      for (let nl = this.pending.indexOf(0x0a); nl >= 0; nl = this.pending.indexOf(0x0a, start)) {
        const line = this.pending.subarray(start, nl + 1);
        start = nl + 1;
        if (await this.line(line)) return true;
      }
      this.pending = this.pending.subarray(start);
    }
    // A last line without its newline is only taken once no more can come.
    if (atEnd && this.pending.length) {
      const last = this.pending;
      this.pending = Buffer.alloc(0);
      return this.line(last);
    }
    return false;
  }

  private async line(raw: Buffer): Promise<boolean> {
    if (this.linesLeft <= 0) return true;
    const msg = parseCriLine(raw);
    if (!msg) return false; // upstream logs and skips lines it cannot parse
    const addPrefix = this.newLine;
    this.newLine = !msg.partial;
    this.linesLeft--;
    if (this.opts.since === undefined || msg.ms >= this.opts.since) {
      let out = this.opts.timestamps && addPrefix ? Buffer.concat([Buffer.from(`${formatTimestamp(msg.time)} `), msg.content]) : msg.content;
      if (out.length > this.remaining) out = out.subarray(0, this.remaining);
      if (out.length) await this.sink.write(out);
      this.remaining -= out.length;
      if (this.remaining <= 0) return true;
    }
    return this.linesLeft <= 0;
  }
}
