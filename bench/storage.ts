// The storage benchmark: memory, SQLite and etcd backends against plain
// node:sqlite and plain etcd puts measured in the same run. Prints a table
// of every figure with its ratio to the matching baseline and writes JSON.
//
//   npm run bench:storage [-- --quick] [--runs 3] [--seconds 3] [--backends memory,sqlite,etcd]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Backend } from '../src/storage/backend.ts';
import { createEtcdBackend } from '../src/storage/etcd/index.ts';
import { createMemoryBackend } from '../src/storage/memory/index.ts';
import { createSqliteBackend } from '../src/storage/sqlite/index.ts';
import { startEtcd } from '../test/support/etcd.ts';
import { RawEtcd, rawSqlite } from './lib/baselines.ts';
import type { Figures } from './lib/baselines.ts';
import { median } from './lib/measure.ts';
import { acceptance, machine, table } from './lib/report.ts';
import { runScenarios } from './lib/scenarios.ts';
import type { ScenarioOptions } from './lib/scenarios.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    backends: { type: 'string', default: 'memory,sqlite,etcd' },
    'list-sizes': { type: 'string' },
    watchers: { type: 'string', default: '1000' },
    events: { type: 'string' },
    out: { type: 'string', default: 'bench/results/storage.json' },
  },
});
const quick = values.quick;
const runs = Number(values.runs ?? (quick ? 1 : 3));
const seconds = Number(values.seconds ?? (quick ? 1 : 3));
const listSizes = (values['list-sizes'] ?? (quick ? '1000,10000' : '10000,100000')).split(',').map(Number);
const backends = values.backends.split(',');
const log = (m: string) => process.stderr.write(`${m}\n`);
const scenario: Omit<ScenarioOptions, 'onPopulated'> = {
  seconds, writers: [1, 16, 256], listSizes, watchers: Number(values.watchers), events: Number(values.events ?? (quick ? 20 : 100)), log,
};
const baseOpts = { seconds, listSizes, batch: 256 };

type RunFigures = Record<string, Figures>;

async function oneRun(run: number): Promise<RunFigures> {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-bench-storage-'));
  const etcd = backends.includes('etcd') ? await startEtcd() : undefined;
  const out: RunFigures = {};
  try {
    log(`run ${run}: raw sqlite`);
    out.raw_sqlite = await rawSqlite(join(root, 'raw'), baseOpts);
    const raw = etcd ? new RawEtcd(etcd.endpoints) : undefined;
    if (raw) {
      log(`run ${run}: raw etcd`);
      out.raw_etcd = await raw.puts(baseOpts);
    }
    for (const name of backends) {
      log(`run ${run}: ${name}`);
      const b: Backend = name === 'memory' ? createMemoryBackend()
        : name === 'sqlite' ? await createSqliteBackend({ dataDir: join(root, 'sqlite') })
          : await createEtcdBackend({ endpoints: etcd!.endpoints, prefix: '/bench' });
      const onPopulated = name === 'etcd' && raw
        ? async (prefix: string, size: number) => { out.raw_etcd![`range_${size}_ms`] = await raw.range(`/bench${prefix}`); }
        : undefined;
      try {
        out[name] = await runScenarios(b, { ...scenario, onPopulated });
      } finally {
        await b.close();
      }
    }
    raw?.close();
  } finally {
    await etcd?.stop();
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}

const all: RunFigures[] = [];
for (let r = 1; r <= runs; r++) all.push(await oneRun(r));

// The median of every figure over the runs.
const medians: RunFigures = {};
for (const group of Object.keys(all[0]!)) {
  medians[group] = {};
  for (const metric of Object.keys(all[0]![group]!)) medians[group]![metric] = median(all.map((r) => r[group]?.[metric] ?? NaN));
}

const rows = table(medians, listSizes);
const accept = acceptance(medians);
process.stdout.write(`\nStorage benchmark: median of ${runs} run(s), ${seconds} s per rate figure\n\n${rows.text}\n\n`);
for (const a of accept) process.stdout.write(`${a.met ? 'MET ' : 'MISSED'}  ${a.target}: ${a.detail}\n`);

const outPath = resolve(values.out);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, JSON.stringify({
  date: new Date().toISOString(), machine: machine(), config: { runs, seconds, listSizes, watchers: scenario.watchers, events: scenario.events, quick },
  medians, ratios: rows.ratios, acceptance: accept, runs: all,
}, null, 2) + '\n');
process.stdout.write(`\nwrote ${values.out}\n`);
