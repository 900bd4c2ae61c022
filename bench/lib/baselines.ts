// Baselines for the storage benchmark, measured in the same run: what plain
// node:sqlite (same durability as the backend: WAL, synchronous=FULL) and
// plain etcd puts through the same gRPC client manage without any of the
// backend's logic. The backends' figures are reported as ratios to these.
import { mkdirSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EtcdClient } from '../../src/storage/etcd/client.ts';
import { prefixEnd } from '../../src/storage/keys.ts';
import { percentile, podValue, timeMedian, timedLoop } from './measure.ts';

export type Figures = Record<string, number>;

export interface BaselineOptions {
  seconds: number;
  listSizes: number[];
  batch: number;
}

export async function rawSqlite(dir: string, opts: BaselineOptions): Promise<Figures> {
  mkdirSync(dir, { recursive: true });
  const db = new DatabaseSync(join(dir, 'raw.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  // The same shape as the backend's log table, with its index.
  db.exec(`CREATE TABLE kv (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created INTEGER NOT NULL,
    deleted INTEGER NOT NULL, create_revision INTEGER NOT NULL, prev_revision INTEGER NOT NULL, value TEXT);
    CREATE UNIQUE INDEX kv_name_id ON kv (name, id);`);
  const ins = db.prepare('INSERT INTO kv (name, created, deleted, create_revision, prev_revision, value) VALUES (?, 1, 0, 0, 0, ?)');
  const out: Figures = {};
  const one = await timedLoop(1, opts.seconds, async (_w, n) => { ins.run(`/u/${n}`, podValue(n)); }, { recordLatency: true });
  out.insert_unbatched_rate = one.rate;
  out.insert_unbatched_p50_ms = percentile(one.latencies, 50);
  out.insert_unbatched_p99_ms = percentile(one.latencies, 99);
  const batched = await timedLoop(1, opts.seconds, async (_w, n) => {
    db.exec('BEGIN');
    for (let i = 0; i < opts.batch; i++) ins.run(`/b/${n}/${i}`, podValue(i));
    db.exec('COMMIT');
  });
  out.insert_batched_rate = batched.rate * opts.batch;
  const select = db.prepare('SELECT name, value FROM kv WHERE name >= ? AND name < ? ORDER BY name');
  for (const size of opts.listSizes) {
    const prefix = `/l${size}/`;
    db.exec('BEGIN');
    for (let i = 0; i < size; i++) ins.run(`${prefix}${String(i).padStart(7, '0')}`, podValue(i));
    db.exec('COMMIT');
    out[`select_${size}_ms`] = await timeMedian(3, () => select.all(prefix, prefixEnd(prefix)!));
  }
  db.close();
  return out;
}

export class RawEtcd {
  private readonly client: EtcdClient;

  constructor(endpoints: string[]) {
    this.client = new EtcdClient({ endpoints, retryMs: 5000, readFile: (p) => readFileSync(p) });
  }

  async puts(opts: BaselineOptions): Promise<Figures> {
    const value = Buffer.from(podValue(1));
    const put = (k: string) => this.client.call('KV', 'Put', { key: Buffer.from(k), value }, true);
    const one = await timedLoop(1, opts.seconds, (_w, n) => put(`/raw/one/${n}`), { recordLatency: true });
    const many = await timedLoop(256, opts.seconds, (w, n) => put(`/raw/many/${w}/${n}`));
    return {
      put_c1_rate: one.rate,
      put_c1_p50_ms: percentile(one.latencies, 50),
      put_c1_p99_ms: percentile(one.latencies, 99),
      put_c256_rate: many.rate,
    };
  }

  /** One Range over every key under prefix: what a list costs without the backend. */
  async range(prefix: string): Promise<number> {
    const req = { key: Buffer.from(prefix), range_end: Buffer.from(prefixEnd(prefix)!) };
    return timeMedian(3, () => this.client.call('KV', 'Range', req, false));
  }

  close(): void {
    this.client.close();
  }
}
