// Many watchers over one etcd Watch stream. Each watcher remembers the next
// revision it needs, so when the stream breaks (a member died) all of them
// are re-created on the next endpoint from exactly where they stopped:
// nothing is lost and nothing is delivered twice.
import type * as grpc from '@grpc/grpc-js';
import { StorageError } from '../backend.ts';
import type { KeyValue, WatchEvent, WatchStream } from '../backend.ts';
import { EventType } from './client.ts';
import type { EtcdClient } from './client.ts';

export interface RawKv {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
}

interface RawEvent {
  type: number;
  kv: RawKv;
  prev_kv: RawKv | null;
}

interface WatchResponse {
  header?: { revision: string };
  watch_id: string;
  created: boolean;
  canceled: boolean;
  compact_revision: string;
  cancel_reason: string;
  events: RawEvent[];
}

type Duplex = grpc.ClientDuplexStream<unknown, WatchResponse>;

export type KvConverter = (raw: RawKv) => KeyValue;

class Watcher implements WatchStream, AsyncIterator<WatchEvent> {
  id: number;
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  /** The revision to (re)start from; 0 asks the server for "now". */
  startRev: number;
  readonly fromNow: boolean;
  delivered = false;
  private queue: WatchEvent[] = [];
  private waiting: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void } | null = null;
  private error: unknown = null;
  done = false;
  private readonly mux: WatchMux;

  constructor(mux: WatchMux, id: number, key: Buffer, rangeEnd: Buffer, startRev: number, fromNow: boolean) {
    this.mux = mux;
    this.id = id;
    this.key = key;
    this.rangeEnd = rangeEnd;
    this.startRev = startRev;
    this.fromNow = fromNow;
  }

  push(ev: WatchEvent): void {
    if (this.done) return;
    this.delivered = true;
    this.startRev = ev.revision + 1;
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
    this.mux.remove(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return this;
  }
}

export class WatchMux {
  private readonly client: EtcdClient;
  private readonly convert: KvConverter;
  private readonly retryMs: number;
  private stream: Duplex | null = null;
  private readonly watchers = new Map<number, Watcher>();
  private pending: Watcher[] = [];
  private nextId = 1;
  private brokenSince = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Called with the compacted revision whenever etcd reports one. */
  onCompacted: (rev: number) => void = () => {};

  constructor(client: EtcdClient, convert: KvConverter, retryMs: number) {
    this.client = client;
    this.convert = convert;
    this.retryMs = retryMs;
  }

  watch(key: Buffer, rangeEnd: Buffer, fromRevision: number | undefined): WatchStream {
    const fromNow = !fromRevision;
    // "From now" means from the newest revision this client has seen: a write
    // that completes after watch() returns is never missed, even if the create
    // request reaches the server after it.
    const start = fromNow ? this.client.lastRevision + 1 : fromRevision + 1;
    const w = new Watcher(this, this.nextId++, key, rangeEnd, start, fromNow);
    if (this.closed) {
      w.finish();
      return w;
    }
    this.watchers.set(w.id, w);
    if (this.stream) this.create(this.stream, w);
    else if (!this.reconnectTimer) this.open();
    return w;
  }

  remove(w: Watcher): void {
    if (!this.watchers.delete(w.id)) return;
    this.stream?.write({ cancel_request: { watch_id: String(w.id) } });
    if (this.watchers.size === 0 && this.stream) {
      const s = this.stream;
      this.stream = null;
      this.pending = [];
      s.cancel();
    }
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const w of this.watchers.values()) w.finish();
    this.watchers.clear();
    const s = this.stream;
    this.stream = null;
    s?.cancel();
  }

  private create(s: Duplex, w: Watcher): void {
    this.pending.push(w);
    s.write({
      create_request: {
        key: w.key, range_end: w.rangeEnd, start_revision: String(w.startRev),
        prev_kv: true, progress_notify: true, watch_id: String(w.id),
      },
    });
  }

  private open(): void {
    this.reconnectTimer = null;
    if (this.closed || this.watchers.size === 0) return;
    const s = (this.client.client('Watch') as unknown as { Watch(): Duplex }).Watch();
    this.stream = s;
    this.pending = [];
    s.on('data', (res: WatchResponse) => {
      if (this.stream !== s) return;
      this.brokenSince = 0;
      this.onResponse(s, res);
    });
    const broken = (err?: grpc.ServiceError) => {
      if (this.stream !== s) return;
      this.stream = null;
      this.reconnect(err);
    };
    s.on('error', broken);
    s.on('end', () => broken());
    for (const w of this.watchers.values()) this.create(s, w);
  }

  private reconnect(err: grpc.ServiceError | undefined): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.brokenSince === 0) this.brokenSince = now;
    if (now - this.brokenSince > this.retryMs) {
      const e = this.client.unavailable(err ?? new Error('watch stream ended'));
      for (const w of this.watchers.values()) w.finish(e);
      this.watchers.clear();
      this.brokenSince = 0;
      return;
    }
    this.client.failover();
    this.reconnectTimer = setTimeout(() => this.open(), Math.min(50 + (now - this.brokenSince) / 4, 500));
  }

  private onResponse(s: Duplex, res: WatchResponse): void {
    this.client.seen(res.header);
    if (res.created) {
      const w = this.pending.shift();
      if (w && res.watch_id === '-1') {
        this.watchers.delete(w.id);
        w.finish(new StorageError('Unavailable', `etcd refused the watch: ${res.cancel_reason || 'unknown reason'}`));
      }
    }
    const w = this.watchers.get(Number(res.watch_id));
    if (!w) return;
    const compacted = Number(res.compact_revision);
    if (compacted > 0) {
      this.onCompacted(compacted);
      if (w.fromNow && !w.delivered) {
        // Only our notion of "now" was too old: start from the server's now instead.
        this.watchers.delete(w.id);
        w.id = this.nextId++;
        w.startRev = 0;
        this.watchers.set(w.id, w);
        this.create(s, w);
        return;
      }
      this.watchers.delete(w.id);
      w.finish(new StorageError('Compacted', `required revision ${w.startRev - 1} has been compacted (compacted revision ${compacted})`));
      return;
    }
    if (res.canceled && !res.created) {
      this.watchers.delete(w.id);
      w.finish(new StorageError('Unavailable', `etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    for (const ev of res.events) {
      try {
        w.push(this.event(ev));
      } catch (err) {
        this.watchers.delete(w.id);
        w.finish(err);
        return;
      }
    }
  }

  private event(ev: RawEvent): WatchEvent {
    const kv = this.convert(ev.kv);
    if (ev.type === EventType.DELETE) {
      if (!ev.prev_kv) throw new StorageError('Corrupt', `etcd sent a delete of ${kv.key} at ${kv.modRevision} without its previous value`);
      return { type: 'delete', revision: kv.modRevision, key: kv.key, prevKv: this.convert(ev.prev_kv) };
    }
    if (kv.createRevision === kv.modRevision) return { type: 'create', revision: kv.modRevision, kv };
    if (!ev.prev_kv) throw new StorageError('Corrupt', `etcd sent an update of ${kv.key} at ${kv.modRevision} without its previous value`);
    return { type: 'update', revision: kv.modRevision, kv, prevKv: this.convert(ev.prev_kv) };
  }
}
