// Many watchers over one etcd Watch stream. Watchers of the same range share
// one etcd watch when they can (a watcher may join a watch that has not yet
// passed its start revision), so 1,000 watchers of a prefix cost etcd one
// watch, not 1,000. Each etcd watch remembers the next revision it needs, so
// when the stream breaks (a member died) all of them are re-created on the
// next endpoint from exactly where they stopped: nothing lost, nothing twice.
import type * as grpc from '@grpc/grpc-js';
import { StorageError } from '../backend.ts';
import type { KeyValue, WatchEvent, WatchStream } from '../backend.ts';
import { Watcher } from './watcher.ts';
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

/** One etcd watch on the stream, shared by every consumer of the same range that can join it. */
interface Group {
  id: number;
  key: Buffer;
  rangeEnd: Buffer;
  rangeId: string;
  /** The revision to (re)start from: one past the last event received; 0 asks the server for "now". */
  next: number;
  members: Set<Watcher>;
}

export class WatchMux {
  private readonly client: EtcdClient;
  private readonly convert: KvConverter;
  private readonly retryMs: number;
  private stream: Duplex | null = null;
  private readonly groups = new Map<number, Group>();
  private readonly byRange = new Map<string, Set<Group>>();
  private readonly groupOf = new Map<Watcher, Group>();
  private pending: Group[] = [];
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
    const w = new Watcher(start, fromNow, (x) => this.leave(x));
    if (this.closed) {
      w.finish();
      return w;
    }
    this.join(w, key, rangeEnd, start);
    return w;
  }

  private join(w: Watcher, key: Buffer, rangeEnd: Buffer, start: number): void {
    const rangeId = `${key.toString('hex')}:${rangeEnd.toString('hex')}`;
    let g: Group | undefined;
    if (start > 0) {
      // A watch that has not yet passed start delivers every event the newcomer needs.
      for (const c of this.byRange.get(rangeId) ?? []) if (c.next > 0 && c.next <= start) g = c;
    }
    if (!g) {
      g = { id: this.nextId++, key, rangeEnd, rangeId, next: start, members: new Set() };
      this.groups.set(g.id, g);
      let set = this.byRange.get(rangeId);
      if (!set) this.byRange.set(rangeId, (set = new Set()));
      set.add(g);
      if (this.stream) this.create(this.stream, g);
      else if (!this.reconnectTimer) this.open();
    }
    g.members.add(w);
    this.groupOf.set(w, g);
  }

  private leave(w: Watcher): void {
    const g = this.groupOf.get(w);
    if (!g) return;
    this.groupOf.delete(w);
    g.members.delete(w);
    if (g.members.size === 0) this.drop(g, true);
  }

  /** Forgets an etcd watch; cancels it on the server when it may still be live there. */
  private drop(g: Group, cancel: boolean): void {
    if (!this.groups.delete(g.id)) return;
    const set = this.byRange.get(g.rangeId);
    set?.delete(g);
    if (set?.size === 0) this.byRange.delete(g.rangeId);
    for (const w of g.members) this.groupOf.delete(w);
    if (cancel) this.stream?.write({ cancel_request: { watch_id: String(g.id) } });
    if (this.groups.size === 0 && this.stream) {
      const s = this.stream;
      this.stream = null;
      this.pending = [];
      s.cancel();
    }
  }

  private fail(g: Group, err: (w: Watcher) => unknown): void {
    const members = [...g.members];
    this.drop(g, false);
    for (const w of members) w.finish(err(w));
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const w of this.groupOf.keys()) w.finish();
    this.groups.clear();
    this.byRange.clear();
    this.groupOf.clear();
    const s = this.stream;
    this.stream = null;
    s?.cancel();
  }

  private create(s: Duplex, g: Group): void {
    this.pending.push(g);
    s.write({
      create_request: {
        key: g.key, range_end: g.rangeEnd, start_revision: String(g.next),
        prev_kv: true, progress_notify: true, watch_id: String(g.id),
      },
    });
  }

  private open(): void {
    this.reconnectTimer = null;
    if (this.closed || this.groups.size === 0) return;
    const s = (this.client.client('Watch') as unknown as { Watch(): Duplex }).Watch();
    this.stream = s;
    this.pending = [];
    s.on('data', (res: WatchResponse) => {
      if (this.stream !== s) return;
      this.brokenSince = 0;
      this.onResponse(res);
    });
    const broken = (err?: grpc.ServiceError) => {
      if (this.stream !== s) return;
      this.stream = null;
      this.reconnect(err);
    };
    s.on('error', broken);
    s.on('end', () => broken());
    for (const g of this.groups.values()) this.create(s, g);
  }

  private reconnect(err: grpc.ServiceError | undefined): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.brokenSince === 0) this.brokenSince = now;
    if (now - this.brokenSince > this.retryMs) {
      const e = this.client.unavailable(err ?? new Error('watch stream ended'));
      for (const g of [...this.groups.values()]) this.fail(g, () => e);
      this.brokenSince = 0;
      return;
    }
    this.client.failover();
    this.reconnectTimer = setTimeout(() => this.open(), Math.min(50 + (now - this.brokenSince) / 4, 500));
  }

  private onResponse(res: WatchResponse): void {
    this.client.seen(res.header);
    if (res.created) {
      const g = this.pending.shift();
      if (g && res.watch_id === '-1') {
        const e = new StorageError('Unavailable', `etcd refused the watch: ${res.cancel_reason || 'unknown reason'}`);
        this.fail(g, () => e);
      }
    }
    const g = this.groups.get(Number(res.watch_id));
    if (!g) return;
    const compacted = Number(res.compact_revision);
    if (compacted > 0) {
      this.onCompacted(compacted);
      const requested = g.next;
      const members = [...g.members];
      this.drop(g, false);
      for (const w of members) {
        if (w.fromNow && !w.delivered) {
          // Only our notion of "now" was too old: start from the server's now instead.
          w.from = 0;
          this.join(w, g.key, g.rangeEnd, 0);
        } else {
          w.finish(new StorageError('Compacted', `required revision ${Math.max(requested, w.from) - 1} has been compacted (compacted revision ${compacted})`));
        }
      }
      return;
    }
    if (res.canceled && !res.created) {
      this.fail(g, () => new StorageError('Unavailable', `etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    for (const raw of res.events) {
      let ev: WatchEvent;
      try {
        ev = this.event(raw);
      } catch (err) {
        this.fail(g, () => err);
        return;
      }
      g.next = ev.revision + 1;
      for (const w of g.members) w.push(ev);
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
