// The watch cache: one storage watch over /registry/ keeps every resource's
// objects in memory, with a window of recent events per resource, so lists
// and watches of large collections are served without touching storage.
import type { Backend, KeyValue, WatchEvent, WatchStream } from '../storage/backend.ts';
import { isStorageError } from '../storage/backend.ts';
import { upgradeStored } from './registry/versions.ts';

const REGISTRY = '/registry/';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: EventType;
  key: string;
  revision: number;
  /** The object after the change (for DELETED: the last state, stamped with the delete's revision). */
  object: any;
  /** The object before the change (MODIFIED and DELETED), for selector transitions. */
  prevObject?: any;
}

/** Receives each event; null means the cache was reset and the watch must end (clients relist). */
export type Listener = (ev: CacheEvent | null) => void;

/** Decodes a stored value into an object carrying its resourceVersion. */
export function decodeKv(kv: KeyValue, revision = kv.modRevision): any {
  const obj = JSON.parse(kv.value);
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(revision);
  return upgradeStored(obj);
}

class ResourceCache {
  readonly objects = new Map<string, any>();
  private readonly events: CacheEvent[] = [];
  private start = 0; // ring buffer head
  /** Events at or below this revision may be missing from the window. */
  oldestRevision: number;
  private readonly listeners = new Set<Listener>();
  private readonly capacity: number;

  constructor(startRevision: number, capacity: number) {
    this.oldestRevision = startRevision;
    this.capacity = capacity;
  }

  apply(ev: CacheEvent): void {
    if (ev.type === 'DELETED') this.objects.delete(ev.key);
    else this.objects.set(ev.key, ev.object);
    if (this.events.length - this.start >= this.capacity) {
      this.oldestRevision = this.events[this.start].revision;
      this.start++;
      if (this.start > 4096) {
        this.events.splice(0, this.start);
        this.start = 0;
      }
    }
    this.events.push(ev);
    for (const l of this.listeners) l(ev);
  }

  /** Events after fromRevision, or null when the window no longer reaches back that far. */
  eventsSince(fromRevision: number): CacheEvent[] | null {
    if (fromRevision < this.oldestRevision) return null;
    // The window is in revision order: find the first newer event by bisection
    // (a watch that resumes must not walk a full window of a busy resource).
    let lo = this.start;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid].revision > fromRevision) hi = mid;
      else lo = mid + 1;
    }
    return this.events.slice(lo);
  }

  end(): void {
    for (const l of this.listeners) l(null);
    this.listeners.clear();
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

export interface WatchCacheConfig {
  backend: Backend;
  /** Storage segments (ResourceInfo.storage) to cache. */
  segments: string[];
  /** Events kept per resource for watches that resume from an older resourceVersion. */
  eventWindow?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export class WatchCache {
  private readonly caches = new Map<string, ResourceCache>();
  private readonly segments: string[];
  /** Segments by their first path component, longest first. */
  private readonly byFirst = new Map<string, { prefix: string; segment: string }[]>();
  private readonly backend: Backend;
  private readonly window: number;
  private stream: WatchStream | null = null;
  private revision = 0;
  private waiters: { rev: number; resolve: () => void }[] = [];
  private stopped = false;
  private readonly log: NonNullable<WatchCacheConfig['log']>;

  constructor(config: WatchCacheConfig) {
    this.backend = config.backend;
    // Longest first, so services/specs wins over a shorter segment sharing its start.
    this.segments = [...new Set(config.segments)].sort((a, b) => b.length - a.length);
    for (const segment of this.segments) {
      const first = segment.split('/')[0];
      const list = this.byFirst.get(first) ?? [];
      list.push({ prefix: `${REGISTRY}${segment}/`, segment });
      this.byFirst.set(first, list);
    }
    this.window = config.eventWindow ?? 10_000;
    this.log = config.log ?? (() => {});
  }

  /** Loads every cached resource, then follows storage from that revision. */
  async start(): Promise<void> {
    let rev = 0;
    const loaded = new Map<string, ResourceCache>();
    const first = await this.backend.list('/registry/', { limit: 1 });
    rev = first.revision;
    for (const seg of this.segments) loaded.set(seg, new ResourceCache(rev, this.window));
    let cont: string | undefined;
    do {
      const page = await this.backend.list('/registry/', { limit: 5000, revision: rev, continue: cont });
      for (const kv of page.items) {
        const seg = this.segmentOf(kv.key);
        if (seg) loaded.get(seg)!.objects.set(kv.key, decodeKv(kv));
      }
      cont = page.continue;
    } while (cont);
    for (const [seg, c] of loaded) this.caches.set(seg, c);
    this.revision = rev;
    this.follow(rev);
  }

  private follow(fromRevision: number): void {
    const stream = this.backend.watch('/registry/', { fromRevision });
    this.stream = stream;
    (async () => {
      try {
        for await (const ev of stream) this.onEvent(ev);
      } catch (err) {
        if (this.stopped) return;
        if (isStorageError(err, 'Compacted')) {
          this.log('watch cache fell behind compaction; reloading', { revision: this.revision });
        } else {
          this.log('watch cache stream failed; reloading', { error: String(err) });
        }
        for (const c of this.caches.values()) c.end();
        this.caches.clear();
        await new Promise((r) => setTimeout(r, 200));
        if (!this.stopped) await this.start().catch((e) => this.log('watch cache reload failed', { error: String(e) }));
      }
    })();
  }

  private onEvent(ev: WatchEvent): void {
    const key = ev.type === 'delete' ? ev.key : ev.kv.key;
    const seg = this.segmentOf(key);
    if (seg) {
      const cache = this.caches.get(seg)!;
      if (ev.type === 'create') cache.apply({ type: 'ADDED', key, revision: ev.revision, object: decodeKv(ev.kv) });
      else if (ev.type === 'update') {
        cache.apply({ type: 'MODIFIED', key, revision: ev.revision, object: decodeKv(ev.kv), prevObject: cache.objects.get(key) ?? decodeKv(ev.prevKv) });
      } else {
        const prev = cache.objects.get(key) ?? decodeKv(ev.prevKv);
        const gone = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(ev.revision) } };
        cache.apply({ type: 'DELETED', key, revision: ev.revision, object: gone, prevObject: prev });
      }
    }
    this.revision = ev.revision;
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.rev <= this.revision);
      this.waiters = this.waiters.filter((w) => w.rev > this.revision);
      for (const w of ready) w.resolve();
    }
  }

  /** The longest segment whose prefix the key starts with; candidates are grouped by the key's first component. */
  private segmentOf(key: string): string | undefined {
    if (!key.startsWith(REGISTRY)) return undefined;
    const slash = key.indexOf('/', REGISTRY.length);
    const candidates = this.byFirst.get(slash < 0 ? key.slice(REGISTRY.length) : key.slice(REGISTRY.length, slash));
    if (candidates) for (const c of candidates) if (key.startsWith(c.prefix)) return c.segment;
    return undefined;
  }

  currentRevision(): number {
    return this.revision;
  }

  /** Resolves once the cache has seen revision rev (a consistent read waits for storage's current revision). */
  async waitFor(rev: number, timeoutMs = 3000): Promise<boolean> {
    if (this.revision >= rev) return true;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = { rev, resolve: () => { clearTimeout(t); resolve(true); } };
      this.waiters.push(waiter);
    });
  }

  /** Resolves once the cache reflects everything storage has committed. */
  async sync(timeoutMs = 3000): Promise<boolean> {
    return this.waitFor(await this.backend.currentRevision(), timeoutMs);
  }

  resource(segment: string): ResourceCache | undefined {
    return this.caches.get(segment);
  }

  /** Objects of a segment under a key prefix (a namespace, or all), sorted by key as storage lists them. */
  list(segment: string, keyPrefix: string): any[] {
    const cache = this.caches.get(segment);
    if (!cache) return [];
    const keys: string[] = [];
    for (const k of cache.objects.keys()) if (k.startsWith(keyPrefix)) keys.push(k);
    keys.sort();
    return keys.map((k) => cache.objects.get(k));
  }

  stop(): void {
    this.stopped = true;
    this.stream?.close();
    for (const c of this.caches.values()) c.end();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}

export type { ResourceCache };
