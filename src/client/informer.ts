// A shared informer: lists a resource, then watches from the list's
// resourceVersion, resuming after each watch ends and relisting when the
// server answers Expired. It keeps a local cache with indexes (the lister)
// and tells handlers about adds, updates and deletes.
import type { ResourceInfo } from '../api/resources.ts';
import type { Client, WatchEvent } from './rest.ts';

export type Indexer = (obj: any) => string[];

export interface EventHandlers {
  add?(obj: any): void;
  update?(oldObj: any, newObj: any): void;
  delete?(obj: any): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, Indexer>;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export function keyOf(obj: any): string {
  const m = obj?.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

export const byNamespace: Indexer = (o) => [o?.metadata?.namespace ?? ''];
export const byOwnerUid: Indexer = (o) => (o?.metadata?.ownerReferences ?? []).map((r: any) => r.uid);
export const byNodeName: Indexer = (o) => (o?.spec?.nodeName ? [o.spec.nodeName] : []);

export class Informer {
  readonly resource: ResourceInfo;
  private readonly client: Client;
  private readonly opts: InformerOptions;
  private readonly items = new Map<string, any>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly indexers = new Map<string, Indexer>();
  private readonly handlers: EventHandlers[] = [];
  private resourceVersion = '';
  private synced = false;
  private started = false;
  private stopped = false;
  private current: { close(): void } | null = null;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(client: Client, resource: ResourceInfo, opts: InformerOptions = {}) {
    this.client = client;
    this.resource = resource;
    this.opts = opts;
    this.addIndexers(opts.indexers ?? {});
  }

  /** Adds indexes (a shared informer gathers those of every reader); a name already taken must mean the same function. */
  addIndexers(indexers: Record<string, Indexer>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      const had = this.indexers.get(name);
      if (had === fn) continue;
      if (had) throw new Error(`informer ${this.resource.resource}: index "${name}" is already defined by another function`);
      this.indexers.set(name, fn);
      const idx = new Map<string, Set<string>>();
      this.indexes.set(name, idx);
      for (const [key, obj] of this.items) for (const v of fn(obj)) {
        let s = idx.get(v);
        if (!s) idx.set(v, (s = new Set()));
        s.add(key);
      }
    }
  }

  on(h: EventHandlers): void {
    this.handlers.push(h);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  get(key: string): any | undefined {
    return this.items.get(key);
  }

  list(): any[] {
    return [...this.items.values()];
  }

  byIndex(index: string, value: string): any[] {
    const keys = this.indexes.get(index)?.get(value);
    const out: any[] = [];
    if (keys) for (const k of keys) {
      const obj = this.items.get(k);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  /** Starts listing and watching; later calls (other readers of a shared informer) do nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.current?.close();
  }

  private index(key: string, obj: any | undefined, old: any | undefined): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name)!;
      const before = old ? fn(old) : [];
      const after = obj ? fn(obj) : [];
      // Most updates (status writes) leave every index value as it was.
      if (before.length === after.length && before.every((v, i) => v === after[i])) continue;
      for (const v of before) {
        const s = idx.get(v);
        s?.delete(key);
        if (s?.size === 0) idx.delete(v);
      }
      for (const v of after) {
        let s = idx.get(v);
        if (!s) idx.set(v, (s = new Set()));
        s.add(key);
      }
    }
  }

  private set(obj: any): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.index(key, obj, old);
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }

  private remove(obj: any): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.delete(key);
    this.index(key, undefined, old);
    for (const h of this.handlers) h.delete?.(old ?? obj);
  }

  private async relist(): Promise<void> {
    const list = await this.client.list(this.resource, this.opts.namespace ?? '', { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector });
    const seen = new Set<string>();
    for (const obj of list.items) {
      seen.add(keyOf(obj));
      const old = this.items.get(keyOf(obj));
      if (!old || old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.set(obj);
    }
    for (const [key, obj] of [...this.items]) if (!seen.has(key)) this.remove(obj);
    this.resourceVersion = list.metadata.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) await this.relist();
        needList = false;
        let expired = false;
        const handle = this.client.watch(this.resource, this.opts.namespace ?? '', {
          resourceVersion: this.resourceVersion, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
          allowWatchBookmarks: true, timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        }, (ev: WatchEvent) => {
          if (ev.type === 'ERROR') {
            if (ev.object?.code === 410) expired = true;
            handle.close();
            return;
          }
          if (ev.object?.metadata?.resourceVersion) this.resourceVersion = ev.object.metadata.resourceVersion;
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.set(ev.object);
          else if (ev.type === 'DELETED') this.remove(ev.object);
        });
        this.current = handle;
        await handle.done;
        if (expired) needList = true;
        backoff = 100;
      } catch (err) {
        if (this.stopped) return;
        if ((err as any)?.status?.code === 410) needList = true;
        this.opts.log?.('informer watch failed; retrying', { resource: this.resource.resource, error: String(err) });
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
