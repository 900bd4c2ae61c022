// One consumer's watch stream: a queue between the shared etcd watch that
// feeds it and the async iterator that reads it.
import type { WatchEvent, WatchStream } from '../backend.ts';

export class Watcher implements WatchStream, AsyncIterator<WatchEvent> {
  /** The first revision this consumer wants; earlier events of a shared etcd watch are skipped. */
  from: number;
  readonly fromNow: boolean;
  delivered = false;
  done = false;
  private queue: WatchEvent[] = [];
  private waiting: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void } | null = null;
  private error: unknown = null;
  private readonly onClose: (w: Watcher) => void;

  constructor(from: number, fromNow: boolean, onClose: (w: Watcher) => void) {
    this.from = from;
    this.fromNow = fromNow;
    this.onClose = onClose;
  }

  push(ev: WatchEvent): void {
    if (this.done || ev.revision < this.from) return;
    this.delivered = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ value: ev, done: false });
    } else {
      this.queue.push(ev);
    }
  }

  /** Ends the stream: with an error, after the queued events; without, at once. */
  finish(err?: unknown): void {
    if (this.done) return;
    this.done = true;
    if (err !== undefined) this.error = err;
    else this.queue = [];
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      if (this.error !== null) w.reject(this.error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    const ev = this.queue.shift();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.done) {
      if (this.error !== null) {
        const err = this.error;
        this.error = null;
        return Promise.reject(err);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }

  async return(): Promise<IteratorResult<WatchEvent>> {
    this.close();
    return { value: undefined, done: true };
  }

  close(): void {
    this.finish();
    this.onClose(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return this;
  }
}
