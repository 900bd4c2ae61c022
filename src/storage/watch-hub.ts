// In-process fan-out of committed events to watch streams. The backends that
// are the only writer of their store (memory, sqlite) publish every committed
// batch here, in revision order. A watch from an old revision first replays
// history while live events are buffered, then switches to live: both happen
// on one thread, so no event is lost or repeated at the switch.
import { StorageError } from './backend.ts';
import type { Revision, WatchEvent, WatchStream } from './backend.ts';

/** Reads up to `limit` events with after < revision <= upTo under prefix, in revision order. */
export type ReplayFn = (prefix: string, after: Revision, upTo: Revision, limit: number) => WatchEvent[] | Promise<WatchEvent[]>;

export interface HubWatchOptions {
  prefix: string;
  /** Deliver events with revision > fromRevision. */
  fromRevision: Revision;
  /** The newest revision already published; history up to it comes from replay. */
  currentRevision: Revision;
  compactedRevision: () => Revision;
  replay: ReplayFn;
}

const REPLAY_CHUNK = 500;

class HubStream implements WatchStream {
  readonly prefix: string;
  private readonly after: Revision;
  private queue: WatchEvent[] = [];
  private buffer: WatchEvent[] | null = null;
  private waiter: ((r: IteratorResult<WatchEvent>) => void) | null = null;
  private failWaiter: ((err: unknown) => void) | null = null;
  private error: unknown = null;
  private done = false;
  private readonly onClose: (s: HubStream) => void;

  constructor(prefix: string, after: Revision, onClose: (s: HubStream) => void) {
    this.prefix = prefix;
    this.after = after;
    this.onClose = onClose;
  }

  startBuffering(): void {
    this.buffer = [];
  }

  /** Ends replay: the buffered live events follow the replayed ones. */
  goLive(): void {
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const ev of buffered) this.push(ev);
  }

  offer(ev: WatchEvent): void {
    if (this.done || ev.revision <= this.after) return;
    if (this.buffer) this.buffer.push(ev);
    else this.push(ev);
  }

  push(ev: WatchEvent): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failWaiter = null;
      w({ value: ev, done: false });
    } else {
      this.queue.push(ev);
    }
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.error = err;
    this.finish();
  }

  close(): void {
    this.finish();
  }

  get closed(): boolean {
    return this.done;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.buffer = null;
    this.onClose(this);
    if (this.waiter && this.queue.length === 0) {
      const w = this.waiter;
      const f = this.failWaiter!;
      this.waiter = this.failWaiter = null;
      if (this.error) f(this.error);
      else w({ value: undefined, done: true });
    }
  }

  private next(): Promise<IteratorResult<WatchEvent>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.done) {
      if (this.error) {
        const err = this.error;
        this.error = null; // reported once; later calls just end
        return Promise.reject(err);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

export function keyOf(ev: WatchEvent): string {
  return ev.type === 'delete' ? ev.key : ev.kv.key;
}

export class WatchHub {
  private readonly streams = new Set<HubStream>();

  get size(): number {
    return this.streams.size;
  }

  watch(opts: HubWatchOptions): WatchStream {
    const stream = new HubStream(opts.prefix, opts.fromRevision, (s) => this.streams.delete(s));
    this.streams.add(stream);
    if (opts.fromRevision < opts.compactedRevision()) {
      stream.fail(compactedError(opts.fromRevision, opts.compactedRevision()));
      return stream;
    }
    if (opts.fromRevision < opts.currentRevision) {
      stream.startBuffering();
      void this.replay(stream, opts);
    }
    return stream;
  }

  private async replay(stream: HubStream, opts: HubWatchOptions): Promise<void> {
    let after = opts.fromRevision;
    try {
      while (after < opts.currentRevision && !stream.closed) {
        // Compaction may run between chunks; history we still need may then be gone.
        if (after < opts.compactedRevision()) throw compactedError(after, opts.compactedRevision());
        const chunk = await opts.replay(opts.prefix, after, opts.currentRevision, REPLAY_CHUNK);
        if (after < opts.compactedRevision()) throw compactedError(after, opts.compactedRevision());
        for (const ev of chunk) stream.push(ev);
        if (chunk.length < REPLAY_CHUNK) break;
        after = chunk[chunk.length - 1]!.revision;
      }
      stream.goLive();
    } catch (err) {
      stream.fail(err);
    }
  }

  /** Delivers committed events (in revision order) to every matching stream. */
  publish(events: readonly WatchEvent[]): void {
    if (this.streams.size === 0) return;
    for (const ev of events) {
      const key = keyOf(ev);
      for (const s of this.streams) if (key.startsWith(s.prefix)) s.offer(ev);
    }
  }

  /** Ends every stream, with err if given. */
  closeAll(err?: unknown): void {
    for (const s of [...this.streams]) {
      if (err) s.fail(err);
      else s.close();
    }
  }
}

export function compactedError(revision: Revision, compacted: Revision): StorageError {
  return new StorageError('Compacted', `required revision ${revision} has been compacted (compacted revision ${compacted})`);
}
