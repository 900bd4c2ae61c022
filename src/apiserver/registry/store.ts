// The generic registry: one ResourceStore per served resource turns API
// verbs into storage operations, applying the rules every kind shares
// (uid, timestamps, generateName, generation, status ownership, finalizers,
// preconditions). Kind-specific behaviour comes from strategy.ts and the
// api hooks; cross-object checks come from admission.
import { randomUUID } from 'node:crypto';
import type { ResourceInfo } from '../../api/resources.ts';
import { apiVersionOf } from '../../api/resources.ts';
import type { Backend, KeyValue } from '../../storage/backend.ts';
import { isStorageError } from '../../storage/backend.ts';
import type { StorageError } from '../../storage/backend.ts';
import { encodeContinue, nextKeyAfter } from '../../storage/continue.ts';
import {
  newNotFound, newAlreadyExists, newConflict, newResourceExpired, newBadRequest, newInternalError, newTimeout,
  newRequestEntityTooLarge,
} from '../../machinery/errors.ts';
import type { WatchCache } from '../watch-cache.ts';
import { decodeKv } from '../watch-cache.ts';
import { hasStatusSubresource, initialStatus, specOf, stripServerFields, tracksGeneration } from './strategy.ts';
import type { ObjectFilter } from './filter.ts';
import { jsonEqual } from './equal.ts';
import { deepCopy } from '../../machinery/clone.ts';
import { secondsTimestamp } from '../../machinery/time.ts';

export interface StoreContext {
  backend: Backend;
  cache: WatchCache;
  now: () => Date;
}

export interface ListOptions {
  filter: ObjectFilter;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

export class ResourceStore {
  readonly info: ResourceInfo;
  private readonly ctx: StoreContext;

  constructor(info: ResourceInfo, ctx: StoreContext) {
    this.info = info;
    this.ctx = ctx;
  }

  get qualified(): { group: string; resource: string } {
    return { group: this.info.group, resource: this.info.resource };
  }

  keyFor(namespace: string, name: string): string {
    return this.info.namespaced ? `/registry/${this.info.storage}/${namespace}/${name}` : `/registry/${this.info.storage}/${name}`;
  }

  prefixFor(namespace: string): string {
    return this.info.namespaced && namespace ? `/registry/${this.info.storage}/${namespace}/` : `/registry/${this.info.storage}/`;
  }

  encode(obj: any): string {
    return this.encodeStored(obj).text;
  }

  /** The stored JSON (without resourceVersion), and where its metadata object ends. */
  private encodeStored(obj: any): Encoded {
    const meta = obj.metadata;
    const rv = meta.resourceVersion;
    delete meta.resourceVersion;
    try {
      return encodeTopLevel(obj);
    } finally {
      if (rv !== undefined) meta.resourceVersion = rv;
    }
  }

  /**
   * The JSON of an object this store has just written, as JSON.stringify
   * would give it now, without stringifying it again: the write stored it
   * without resourceVersion and then appended that to its metadata. Undefined
   * when the object was not written here or its resourceVersion changed since.
   */
  writtenJson(obj: any): string | undefined {
    const w = written.get(obj);
    if (w === undefined || w.metaEnd < 0 || obj.metadata?.resourceVersion !== w.rv) return undefined;
    const rv = `"resourceVersion":${JSON.stringify(w.rv)}`;
    const sep = w.text.charCodeAt(w.metaEnd - 1) === 123 /* { */ ? '' : ',';
    return `${w.text.slice(0, w.metaEnd)}${sep}${rv}${w.text.slice(w.metaEnd)}`;
  }

  private remember(obj: any, encoded: Encoded): void {
    written.set(obj, { ...encoded, rv: obj.metadata.resourceVersion });
  }

  async getKv(namespace: string, name: string): Promise<KeyValue> {
    const { kv } = await this.wrap(() => this.ctx.backend.get(this.keyFor(namespace, name)), name);
    if (!kv) throw newNotFound(this.qualified, name);
    return kv;
  }

  /**
   * The object a stored key-value holds, as decodeKv gives it. When the watch
   * cache already holds that very revision, a copy of its object is cheaper
   * than parsing the JSON again (cached objects are never mutated).
   */
  decode(kv: KeyValue): any {
    const cached = this.ctx.cache.resource(this.info.storage)?.objects.get(kv.key);
    if (cached !== undefined && cached.metadata?.resourceVersion === String(kv.modRevision)) return deepCopy(cached);
    return decodeKv(kv);
  }

  async get(namespace: string, name: string, resourceVersion?: string): Promise<any> {
    if (resourceVersion === '0') {
      await this.ctx.cache.sync(1000);
      const obj = this.ctx.cache.resource(this.info.storage)?.objects.get(this.keyFor(namespace, name));
      if (obj) return deepCopy(obj);
    }
    return this.decode(await this.getKv(namespace, name));
  }

  /** Runs a storage call, turning storage errors into API Status errors. */
  async wrap<T>(fn: () => Promise<T>, name = ''): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.toApiError(err, name);
    }
  }

  toApiError(err: unknown, name: string): unknown {
    if (!isStorageError(err)) return err;
    const e = err as StorageError;
    switch (e.code) {
      case 'KeyExists': return newAlreadyExists(this.qualified, name);
      case 'KeyNotFound': return newNotFound(this.qualified, name);
      case 'Conflict':
        return newConflict(this.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
      case 'Compacted': return newResourceExpired(`The resourceVersion for the provided list is too old.`);
      case 'InvalidContinue': return newBadRequest(e.message);
      case 'ValueTooLarge': return newRequestEntityTooLarge(e.message);
      case 'FutureRevision': return newTimeout(`Too large resource version: ${e.message}`, 1);
      case 'Unavailable': return newInternalError(new Error(`storage is unavailable: ${e.message}`));
      default: return newInternalError(e);
    }
  }

  /** Fills in what the server owns on create. The caller has run admission, defaults and validation. */
  prepareCreate(obj: any, namespace: string): void {
    const meta = (obj.metadata ??= {});
    stripServerFields(meta);
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (this.info.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    meta.uid = randomUUID();
    meta.creationTimestamp = secondsTimestamp(this.ctx.now());
    if (tracksGeneration(this.info)) meta.generation = 1;
    else delete meta.generation;
    const status = initialStatus(this.info, obj);
    if (status === undefined) delete obj.status;
    else obj.status = status;
    obj.apiVersion = apiVersionOf(this.info);
    obj.kind = this.info.kind;
  }

  async create(obj: any, dryRun = false): Promise<any> {
    const name = obj.metadata.name;
    const key = this.keyFor(obj.metadata.namespace ?? '', name);
    if (dryRun) {
      const { kv } = await this.wrap(() => this.ctx.backend.get(key), name);
      if (kv) throw newAlreadyExists(this.qualified, name);
      return obj;
    }
    const encoded = this.encodeStored(obj);
    const kv = await this.wrap(() => this.ctx.backend.create(key, encoded.text, this.ttlFor()), name);
    obj.metadata.resourceVersion = String(kv.modRevision);
    this.remember(obj, encoded);
    return obj;
  }

  private ttlFor(): { ttlSeconds?: number } {
    // Events expire after an hour, as kube-apiserver's --event-ttl default.
    return this.info.kind === 'Event' ? { ttlSeconds: 3600 } : {};
  }

  /**
   * Carries server-owned state from the stored object into an update:
   * status belongs to the status subresource, spec to the main resource,
   * and generation moves only when the spec does.
   */
  prepareUpdate(next: any, old: any, subresource: string): void {
    const meta = (next.metadata ??= {});
    const oldMeta = old.metadata;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.namespace = oldMeta.namespace;
    if (oldMeta.deletionTimestamp) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    next.apiVersion = apiVersionOf(this.info);
    next.kind = this.info.kind;
    if (subresource === 'finalize') {
      // Only spec.finalizers moves (the namespace controller's last step).
      const finalizers = next.spec?.finalizers;
      for (const k of Object.keys(next)) delete next[k];
      Object.assign(next, deepCopy(old));
      next.spec = { ...(next.spec ?? {}), finalizers };
      if (!finalizers) delete next.spec.finalizers;
      return;
    }
    if (subresource === 'status') {
      // Only status moves; everything else stays as stored (labels and annotations included, as upstream).
      const status = next.status;
      for (const k of Object.keys(next)) if (k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete next[k];
      Object.assign(next, deepCopy(specOf(old)));
      next.status = status;
      next.metadata = { ...deepCopy(oldMeta), resourceVersion: meta.resourceVersion };
      if (old.metadata.managedFields) next.metadata.managedFields = meta.managedFields ?? oldMeta.managedFields;
      return;
    }
    if (this.info.group === '' && this.info.kind === 'Namespace' && subresource === '') {
      // spec.finalizers belong to the finalize subresource.
      next.spec = { ...(next.spec ?? {}), finalizers: old.spec?.finalizers };
      if (!next.spec.finalizers) delete next.spec.finalizers;
    }
    if (hasStatusSubresource(this.info) && subresource === '') {
      if (old.status === undefined) delete next.status;
      else next.status = deepCopy(old.status);
    }
    if (tracksGeneration(this.info)) {
      const gen = oldMeta.generation ?? 1;
      meta.generation = jsonEqual(specOf(next), specOf(old)) ? gen : gen + 1;
    } else {
      delete meta.generation;
    }
  }

  /**
   * Writes next over the stored object at expectedRevision. When the update
   * removes the last finalizer of an object being deleted, it deletes it.
   */
  async writeUpdate(next: any, expectedRevision: number, dryRun = false): Promise<{ obj: any; deleted: boolean }> {
    const meta = next.metadata;
    const key = this.keyFor(meta.namespace ?? '', meta.name);
    if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0 && !this.deletionBlocked(next)) {
      if (!dryRun) await this.wrap(() => this.ctx.backend.delete(key, expectedRevision), meta.name);
      return { obj: next, deleted: true };
    }
    if (dryRun) return { obj: next, deleted: false };
    const encoded = this.encodeStored(next);
    const kv = await this.wrap(() => this.ctx.backend.update(key, encoded.text, expectedRevision, this.ttlFor()), meta.name);
    meta.resourceVersion = String(kv.modRevision);
    this.remember(next, encoded);
    return { obj: next, deleted: false };
  }

  /**
   * A pod with a grace period stays until its kubelet confirms the containers
   * are gone; a namespace stays until its spec.finalizers are cleared.
   */
  private deletionBlocked(obj: any): boolean {
    if (this.info.group !== '') return false;
    if (this.info.kind === 'Pod') return (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0;
    if (this.info.kind === 'Namespace') return (obj.spec?.finalizers ?? []).length > 0;
    return false;
  }

  /** The watch cache's object at a key: shared with every reader, so never to be changed. */
  cached(namespace: string, name: string): any {
    return this.ctx.cache.resource(this.info.storage)?.objects.get(this.keyFor(namespace, name));
  }

  /**
   * Reads, mutates and writes with a revision precondition, retrying when
   * another writer got in between (as upstream's GuaranteedUpdate). As
   * upstream's cacher, the first attempt starts from the watch cache's copy
   * instead of a storage read: the cache is rarely behind, and when it is,
   * the write's precondition fails and the attempt is redone from storage
   * (so is any error of an attempt from the cache: it may come from the
   * stale copy).
   */
  async guaranteedUpdate(namespace: string, name: string, mutate: (current: any) => Promise<any> | any, dryRun = false)
    : Promise<{ obj: any; deleted: boolean }> {
    let fromCache = dryRun ? undefined : this.cached(namespace, name);
    for (let attempt = 0; ; attempt++) {
      let current: any;
      let revision: number;
      if (fromCache !== undefined) {
        current = deepCopy(fromCache);
        revision = Number(fromCache.metadata.resourceVersion);
      } else {
        const kv = await this.getKv(namespace, name);
        current = this.decode(kv);
        revision = kv.modRevision;
      }
      try {
        const next = await mutate(current);
        return await this.writeUpdate(next, revision, dryRun);
      } catch (err) {
        if (fromCache !== undefined) {
          fromCache = undefined;
          continue;
        }
        if (attempt < 16 && isConflictError(err)) continue;
        throw err;
      }
    }
  }

  async deleteNow(namespace: string, name: string, expectedRevision: number, dryRun: boolean): Promise<any> {
    const key = this.keyFor(namespace, name);
    if (dryRun) return this.decode(await this.getKv(namespace, name));
    const { prevKv, revision } = await this.wrap(() => this.ctx.backend.delete(key, expectedRevision), name);
    return decodeKv(prevKv, revision);
  }

  listFromCache(namespace: string, filter: ObjectFilter): { items: any[]; revision: number } {
    const items = this.ctx.cache.list(this.info.storage, this.prefixFor(namespace)).filter((o) => filter(o));
    return { items, revision: this.ctx.cache.currentRevision() };
  }

  /**
   * A paged list straight from storage: pages stay consistent at the first
   * page's revision, and with a selector the page still holds `limit`
   * matching items, the token resuming right after the last one returned.
   */
  async listFromStorage(namespace: string, opts: ListOptions): Promise<{ items: any[]; revision: number; continue?: string; remaining?: number }> {
    const items: any[] = [];
    const limit = opts.limit ?? 0;
    const prefix = this.prefixFor(namespace);
    let cont = opts.continue;
    let revision: number | undefined = opts.resourceVersion && opts.resourceVersionMatch === 'Exact' ? Number(opts.resourceVersion) : undefined;
    for (;;) {
      const page = await this.wrap(() => this.ctx.backend.list(prefix, { limit: limit || undefined, continue: cont, revision }));
      revision = page.revision;
      for (let i = 0; i < page.items.length; i++) {
        const obj = decodeKv(page.items[i]);
        if (!opts.filter(obj)) continue;
        items.push(obj);
        if (limit > 0 && items.length === limit) {
          const more = i < page.items.length - 1 || page.continue !== undefined;
          if (!more) return { items, revision };
          const token = encodeContinue(nextKeyAfter(page.items[i].key), prefix, revision);
          const remaining = opts.filter.matchesEverything && page.remainingItemCount !== undefined
            ? page.remainingItemCount + (page.items.length - 1 - i) : undefined;
          return { items, revision, continue: token, remaining };
        }
      }
      cont = page.continue;
      if (!cont) return { items, revision };
    }
  }
}

interface Encoded {
  text: string;
  /** The index of the closing brace of the metadata object in text, or -1 when unknown. */
  metaEnd: number;
}

const written = new WeakMap<object, Encoded & { rv: string }>();

/**
 * JSON.stringify(obj), assembled key by key at the top level so that the
 * end of metadata is known. Anything but a plain object is stringified whole.
 */
function encodeTopLevel(obj: any): Encoded {
  if (Object.getPrototypeOf(obj) !== Object.prototype || typeof obj.toJSON === 'function') return { text: JSON.stringify(obj), metaEnd: -1 };
  let text = '{';
  let metaEnd = -1;
  for (const k of Object.keys(obj)) {
    const value = JSON.stringify(obj[k]);
    if (value === undefined) continue; // as JSON.stringify leaves out undefined, functions and symbols
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(k)}:`;
    if (k === 'metadata' && value.charCodeAt(0) === 123 /* { */) metaEnd = text.length + value.length - 1;
    text += value;
  }
  return { text: `${text}}`, metaEnd };
}

export function isConflictError(err: unknown): boolean {
  return (err as any)?.status?.reason === 'Conflict';
}
