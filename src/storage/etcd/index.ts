// The etcd backend: the storage contract mapped onto etcd's v3 API the way
// kine and the apiserver do it. Writes are transactions that compare the
// key's create or mod revision; reads are Range calls at a revision; watches
// share one Watch stream; TTLs are leases.
import { readFileSync } from 'node:fs';
import { StorageError } from '../backend.ts';
import type { Backend, KeyValue, ListOptions, ListResult, Revision, WatchOptions, WatchStream, WriteOptions } from '../backend.ts';
import { checkKey, checkTtl, checkValue, closedError } from '../checks.ts';
import { decodeContinue, encodeContinue, nextKeyAfter } from '../continue.ts';
import { prefixEnd } from '../keys.ts';
import { CompareResult, CompareTarget, EtcdClient } from './client.ts';
import type { EtcdTlsConfig } from './client.ts';
import { dial } from './dial.ts';
import { Leases } from './leases.ts';
import { WatchMux } from './watch.ts';
import type { RawKv } from './watch.ts';

export type { EtcdTlsConfig } from './client.ts';

export interface EtcdConfig {
  endpoints: string[];
  tls?: EtcdTlsConfig;
  /** Prepended to every key, so that several stores can share one etcd. */
  prefix?: string;
  /** How long the factory waits for an endpoint to answer (default 5 s); calls retry across endpoints this long. */
  dialTimeoutMs?: number;
}

/** Lists without a limit are read in pages of this many keys, at one revision. */
const LIST_CHUNK = 5000;

interface RangeResponse {
  header: { revision: string };
  kvs: RawKv[];
  more: boolean;
  count: string;
}

interface TxnResponse {
  header: { revision: string };
  succeeded: boolean;
  responses: {
    response_put?: { prev_kv: RawKv | null };
    response_range?: { kvs: RawKv[] };
    response_delete_range?: { deleted: string; prev_kvs: RawKv[] };
  }[];
}

export async function createEtcdBackend(config: EtcdConfig): Promise<Backend> {
  if (!Array.isArray(config.endpoints) || config.endpoints.length === 0) {
    throw new StorageError('Unavailable', 'etcd storage needs at least one endpoint');
  }
  const dialTimeoutMs = config.dialTimeoutMs ?? 5000;
  const client = new EtcdClient({ endpoints: config.endpoints, tls: config.tls, retryMs: dialTimeoutMs, readFile: (p) => readFileSync(p) });
  try {
    client.use(await dial(client, dialTimeoutMs));
  } catch (err) {
    client.close();
    throw err;
  }
  return new EtcdBackend(client, config.prefix ?? '', dialTimeoutMs);
}

class EtcdBackend implements Backend {
  readonly name = 'etcd';
  private readonly client: EtcdClient;
  private readonly prefix: string;
  private readonly mux: WatchMux;
  private readonly leases: Leases;
  private compacted = 0;
  private closed = false;

  constructor(client: EtcdClient, prefix: string, retryMs: number) {
    this.client = client;
    this.prefix = prefix;
    this.mux = new WatchMux(client, (raw) => this.kv(raw), retryMs);
    this.mux.onCompacted = (rev) => { this.compacted = Math.max(this.compacted, rev); };
    this.leases = new Leases(client);
  }

  /** The endpoint in use (for tests and logs). */
  get endpoint(): string {
    return this.client.currentUrl;
  }

  private k(key: string): Buffer {
    // etcd refuses an empty key; "\0" is the lowest key there is, so a range
    // or revision read from it means the same as from "".
    const full = this.prefix + key;
    return full === '' ? Buffer.from([0]) : Buffer.from(full, 'utf8');
  }

  private rangeEnd(prefix: string): Buffer {
    // An empty full prefix means every key: etcd spells that range_end "\0".
    const end = prefixEnd(this.prefix + prefix);
    return end === undefined ? Buffer.from([0]) : Buffer.from(end, 'utf8');
  }

  private kv(raw: RawKv): KeyValue {
    return {
      key: raw.key.toString('utf8').slice(this.prefix.length),
      value: raw.value.toString('utf8'),
      createRevision: Number(raw.create_revision),
      modRevision: Number(raw.mod_revision),
    };
  }

  private live(): void {
    if (this.closed) throw closedError('etcd');
  }

  private async range(req: Record<string, unknown>): Promise<RangeResponse> {
    this.live();
    const res = await this.client.call<RangeResponse>('KV', 'Range', req, false);
    this.client.seen(res.header);
    return res;
  }

  private async txn(req: Record<string, unknown>): Promise<TxnResponse & { rev: Revision }> {
    this.live();
    const res = await this.client.call<TxnResponse>('KV', 'Txn', req, true);
    return { ...res, rev: this.client.seen(res.header) };
  }

  async get(key: string, opts: { revision?: Revision } = {}): Promise<{ kv: KeyValue | null; revision: Revision }> {
    checkKey(key);
    const res = await this.range({ key: this.k(key), revision: String(opts.revision ?? 0) });
    const raw = res.kvs[0];
    return { kv: raw ? this.kv(raw) : null, revision: opts.revision || Number(res.header.revision) };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    let start = prefix;
    let revision = opts.revision ?? 0;
    if (opts.continue) {
      const c = decodeContinue(opts.continue, prefix);
      start = c.startKey;
      revision = c.revision;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const end = this.rangeEnd(prefix);
    const items: KeyValue[] = [];
    let from = this.k(start);
    for (;;) {
      const want = limit ? limit - items.length : LIST_CHUNK;
      const res = await this.range({ key: from, range_end: end, revision: String(revision), limit: String(Math.min(want, LIST_CHUNK)) });
      if (!revision) revision = Number(res.header.revision);
      for (const raw of res.kvs) items.push(this.kv(raw));
      const remaining = Number(res.count) - res.kvs.length;
      if (!res.more || remaining <= 0) return { items, revision };
      if (limit && items.length >= limit) {
        const last = items[items.length - 1]!.key;
        return { items, revision, continue: encodeContinue(nextKeyAfter(last), prefix, revision), remainingItemCount: remaining };
      }
      from = this.k(nextKeyAfter(items[items.length - 1]!.key));
    }
  }

  async count(prefix: string): Promise<{ count: number; revision: Revision }> {
    const res = await this.range({ key: this.k(prefix), range_end: this.rangeEnd(prefix), count_only: true });
    return { count: Number(res.count), revision: Number(res.header.revision) };
  }

  async create(key: string, value: string, opts: WriteOptions = {}): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkTtl(opts.ttlSeconds);
    const lease = await this.lease(opts);
    const k = this.k(key);
    const res = await this.txn({
      compare: [{ key: k, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: '0' }],
      success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8'), lease } }],
      failure: [],
    });
    if (!res.succeeded) throw new StorageError('KeyExists', `key ${key} already exists`, { key });
    return { key, value, createRevision: res.rev, modRevision: res.rev };
  }

  async update(key: string, value: string, expectedRevision: Revision, opts: WriteOptions = {}): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkTtl(opts.ttlSeconds);
    const lease = await this.lease(opts);
    const k = this.k(key);
    const res = await this.txn({
      compare: [
        { key: k, target: CompareTarget.MOD, result: CompareResult.EQUAL, mod_revision: String(expectedRevision) },
        { key: k, target: CompareTarget.CREATE, result: CompareResult.GREATER, create_revision: '0' },
      ],
      success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8'), lease, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) throw this.failed(key, expectedRevision, res);
    const prev = res.responses[0]?.response_put?.prev_kv;
    if (!prev) throw new StorageError('Corrupt', `etcd updated ${key} without returning its previous value`);
    return { key, value, createRevision: Number(prev.create_revision), modRevision: res.rev };
  }

  async delete(key: string, expectedRevision?: Revision): Promise<{ prevKv: KeyValue; revision: Revision }> {
    checkKey(key);
    const k = this.k(key);
    const res = await this.txn({
      compare: expectedRevision === undefined ? [] : [{ key: k, target: CompareTarget.MOD, result: CompareResult.EQUAL, mod_revision: String(expectedRevision) }],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) throw this.failed(key, expectedRevision, res);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new StorageError('KeyNotFound', `key ${key} not found`, { key });
    return { prevKv: this.kv(prev), revision: res.rev };
  }

  private failed(key: string, expected: Revision | undefined, res: TxnResponse): StorageError {
    const cur = res.responses[0]?.response_range?.kvs[0];
    if (!cur) return new StorageError('KeyNotFound', `key ${key} not found`, { key });
    const current = this.kv(cur);
    return new StorageError('Conflict', `key ${key} was modified: expected revision ${expected}, current ${current.modRevision}`, { key, current });
  }

  private async lease(opts: WriteOptions): Promise<string> {
    return opts.ttlSeconds === undefined ? '0' : this.leases.forTtl(opts.ttlSeconds);
  }

  watch(prefix: string, opts: WatchOptions = {}): WatchStream {
    return this.mux.watch(this.k(prefix), this.rangeEnd(prefix), opts.fromRevision);
  }

  async currentRevision(): Promise<Revision> {
    const res = await this.range({ key: this.k(''), count_only: true });
    return Number(res.header.revision);
  }

  async compact(revision: Revision): Promise<void> {
    this.live();
    try {
      await this.client.call('KV', 'Compact', { revision: String(revision), physical: false }, true);
    } catch (err) {
      // Compacting at or below the compacted revision is a no-op, as in the other backends.
      if (!(err instanceof StorageError && err.code === 'Compacted')) throw err;
    }
    this.compacted = Math.max(this.compacted, revision);
  }

  /**
   * etcd does not report its compacted revision directly, but a read below
   * it fails: binary search for the lowest readable revision above what we know.
   */
  async compactedRevision(): Promise<Revision> {
    const readable = async (rev: Revision) => {
      try {
        await this.range({ key: this.k(''), count_only: true, revision: String(rev) });
        return true;
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Compacted') return false;
        throw err;
      }
    };
    let lo = Math.max(this.compacted, 1);
    let hi = await this.currentRevision();
    if (await readable(lo)) return this.compacted;
    while (lo + 1 < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    this.compacted = Math.max(this.compacted, hi);
    return this.compacted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.mux.close();
    this.client.close();
  }
}

