// The in-memory backend: a per-key version history plus an event log, with
// watches fanned out in process. Everything happens synchronously inside each
// call, so every write is atomic. For unit tests; nothing survives close().
import { StorageError } from '../backend.ts';
import type { Backend, KeyValue, ListOptions, ListResult, Revision, WatchEvent, WatchOptions, WatchStream, WriteOptions } from '../backend.ts';
import { checkKey, checkTtl, checkValue, closedError, readRevision, realClock } from '../checks.ts';
import type { Clock } from '../checks.ts';
import { decodeContinue, encodeContinue, nextKeyAfter } from '../continue.ts';
import { lowerBound } from '../keys.ts';
import { WatchHub } from '../watch-hub.ts';

export interface MemoryConfig {
  clock?: Clock;
  /** How often expired TTL keys are swept, in ms (default 250). */
  sweepIntervalMs?: number;
}

interface Version {
  rev: Revision;
  kv: KeyValue | null; // null: deleted at rev
}

export class MemoryBackend implements Backend {
  readonly name = 'memory';
  private rev = 0;
  private compacted = 0;
  private closed = false;
  private readonly keys: string[] = []; // sorted; every key with history
  private readonly hist = new Map<string, Version[]>();
  private log: WatchEvent[] = [];
  private readonly leases = new Map<string, { expiresAt: number; modRevision: Revision }>();
  private readonly hub = new WatchHub();
  private readonly clock: Clock;
  private readonly sweeper: NodeJS.Timeout;

  constructor(config: MemoryConfig = {}) {
    this.clock = config.clock ?? realClock;
    this.sweeper = setInterval(() => this.sweepExpired(), config.sweepIntervalMs ?? 250);
    this.sweeper.unref();
  }

  private live(): void {
    if (this.closed) throw closedError(this.name);
  }

  private latest(key: string): KeyValue | null {
    const vs = this.hist.get(key);
    return vs ? vs[vs.length - 1]!.kv : null;
  }

  private at(key: string, rev: Revision): KeyValue | null {
    const vs = this.hist.get(key);
    if (!vs) return null;
    for (let i = vs.length - 1; i >= 0; i--) if (vs[i]!.rev <= rev) return vs[i]!.kv;
    return null;
  }

  private commit(key: string, kv: KeyValue | null, ev: WatchEvent, ttlSeconds?: number): void {
    let vs = this.hist.get(key);
    if (!vs) {
      vs = [];
      this.hist.set(key, vs);
      this.keys.splice(lowerBound(this.keys, key), 0, key);
    }
    vs.push({ rev: ev.revision, kv });
    this.log.push(ev);
    if (kv && ttlSeconds !== undefined) this.leases.set(key, { expiresAt: this.clock.now() + ttlSeconds * 1000, modRevision: kv.modRevision });
    else this.leases.delete(key);
    this.hub.publish([ev]);
  }

  async get(key: string, opts: { revision?: Revision } = {}): Promise<{ kv: KeyValue | null; revision: Revision }> {
    this.live();
    const rev = readRevision(opts.revision, this.rev, this.compacted);
    return { kv: rev === this.rev ? this.latest(key) : this.at(key, rev), revision: rev };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.live();
    let start = prefix;
    let rev: Revision;
    if (opts.continue) {
      const c = decodeContinue(opts.continue, prefix);
      start = c.startKey;
      rev = readRevision(c.revision, this.rev, this.compacted);
    } else {
      rev = readRevision(opts.revision, this.rev, this.compacted);
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const items: KeyValue[] = [];
    let remaining = 0;
    for (let i = lowerBound(this.keys, start); i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (!key.startsWith(prefix)) break;
      const kv = this.at(key, rev);
      if (!kv) continue;
      if (items.length < limit) items.push(kv);
      else remaining++;
    }
    const result: ListResult = { items, revision: rev };
    if (remaining > 0) {
      result.continue = encodeContinue(nextKeyAfter(items[items.length - 1]!.key), prefix, rev);
      result.remainingItemCount = remaining;
    }
    return result;
  }

  async count(prefix: string): Promise<{ count: number; revision: Revision }> {
    this.live();
    let count = 0;
    for (let i = lowerBound(this.keys, prefix); i < this.keys.length && this.keys[i]!.startsWith(prefix); i++) {
      if (this.latest(this.keys[i]!)) count++;
    }
    return { count, revision: this.rev };
  }

  async create(key: string, value: string, opts: WriteOptions = {}): Promise<KeyValue> {
    this.live();
    checkKey(key);
    checkValue(key, value);
    checkTtl(opts.ttlSeconds);
    if (this.latest(key)) throw new StorageError('KeyExists', `key ${key} already exists`, { key });
    const rev = ++this.rev;
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
    this.commit(key, kv, { type: 'create', revision: rev, kv }, opts.ttlSeconds);
    return kv;
  }

  async update(key: string, value: string, expectedRevision: Revision, opts: WriteOptions = {}): Promise<KeyValue> {
    this.live();
    checkKey(key);
    checkValue(key, value);
    checkTtl(opts.ttlSeconds);
    const prevKv = this.latest(key);
    if (!prevKv) throw new StorageError('KeyNotFound', `key ${key} not found`, { key });
    if (prevKv.modRevision !== expectedRevision) {
      throw new StorageError('Conflict', `key ${key} was modified: expected revision ${expectedRevision}, current ${prevKv.modRevision}`, { key, current: prevKv });
    }
    const rev = ++this.rev;
    const kv: KeyValue = { key, value, createRevision: prevKv.createRevision, modRevision: rev };
    this.commit(key, kv, { type: 'update', revision: rev, kv, prevKv }, opts.ttlSeconds);
    return kv;
  }

  async delete(key: string, expectedRevision?: Revision): Promise<{ prevKv: KeyValue; revision: Revision }> {
    this.live();
    checkKey(key);
    const prevKv = this.latest(key);
    if (!prevKv) throw new StorageError('KeyNotFound', `key ${key} not found`, { key });
    if (expectedRevision !== undefined && prevKv.modRevision !== expectedRevision) {
      throw new StorageError('Conflict', `key ${key} was modified: expected revision ${expectedRevision}, current ${prevKv.modRevision}`, { key, current: prevKv });
    }
    const rev = ++this.rev;
    this.commit(key, null, { type: 'delete', revision: rev, key, prevKv });
    return { prevKv, revision: rev };
  }

  watch(prefix: string, opts: WatchOptions = {}): WatchStream {
    if (this.closed) {
      const s = this.hub.watch({ prefix, fromRevision: this.rev, currentRevision: this.rev, compactedRevision: () => 0, replay: () => [] });
      s.close();
      return s;
    }
    return this.hub.watch({
      prefix,
      fromRevision: opts.fromRevision || this.rev,
      currentRevision: this.rev,
      compactedRevision: () => this.compacted,
      replay: (p, after, upTo, limit) => this.replay(p, after, upTo, limit),
    });
  }

  private replay(prefix: string, after: Revision, upTo: Revision, limit: number): WatchEvent[] {
    // The log holds every revision above the compacted one, in order, so index by offset.
    const base = this.log.length > 0 ? this.log[0]!.revision : this.rev + 1;
    const out: WatchEvent[] = [];
    for (let i = Math.max(0, after + 1 - base); i < this.log.length && out.length < limit; i++) {
      const ev = this.log[i]!;
      if (ev.revision > upTo) break;
      if ((ev.type === 'delete' ? ev.key : ev.kv.key).startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  async currentRevision(): Promise<Revision> {
    this.live();
    return this.rev;
  }

  async compact(revision: Revision): Promise<void> {
    this.live();
    if (revision > this.rev) throw new StorageError('FutureRevision', `required revision ${revision} is a future revision (current revision ${this.rev})`);
    if (revision <= this.compacted) return;
    this.compacted = revision;
    const drop = this.log.findIndex((ev) => ev.revision > revision);
    this.log = drop < 0 ? [] : this.log.slice(drop);
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const key = this.keys[i]!;
      const vs = this.hist.get(key)!;
      let keep = 0; // index of the newest version at or below revision
      while (keep + 1 < vs.length && vs[keep + 1]!.rev <= revision) keep++;
      if (vs[keep]!.rev <= revision && vs[keep]!.kv === null) keep++;
      if (keep > 0) vs.splice(0, keep);
      if (vs.length === 0) {
        this.hist.delete(key);
        this.keys.splice(i, 1);
      }
    }
  }

  async compactedRevision(): Promise<Revision> {
    this.live();
    return this.compacted;
  }

  /** Deletes keys whose TTL has passed, as ordinary deletes. Runs on a timer; tests may call it. */
  sweepExpired(): void {
    if (this.closed) return;
    const now = this.clock.now();
    for (const [key, lease] of [...this.leases]) {
      if (lease.expiresAt > now) continue;
      this.leases.delete(key);
      const kv = this.latest(key);
      if (kv && kv.modRevision === lease.modRevision) void this.delete(key, lease.modRevision);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.hub.closeAll();
  }
}

export function createMemoryBackend(config: MemoryConfig = {}): MemoryBackend {
  return new MemoryBackend(config);
}
