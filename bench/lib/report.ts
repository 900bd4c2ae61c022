// The storage benchmark's table: every figure per backend, with its ratio to
// the matching baseline (rates: backend / baseline, higher is better;
// latencies: backend / baseline, lower is better), and the acceptance targets.
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import type { Figures } from './baselines.ts';

type Ref = [group: string, metric: string];

interface Row {
  label: string;
  metric: string;
  ms: boolean;
  base: { sqlite?: Ref; etcd?: Ref };
}

function rows(listSizes: number[]): Row[] {
  const out: Row[] = [];
  for (const w of [1, 16, 256]) {
    const sqlite: Ref = ['raw_sqlite', w === 1 ? 'insert_unbatched_rate' : 'insert_batched_rate'];
    const etcd: Ref = ['raw_etcd', w === 1 ? 'put_c1_rate' : 'put_c256_rate'];
    out.push({ label: `create/s, ${w} writer(s)`, metric: `create_w${w}_rate`, ms: false, base: { sqlite, etcd } });
    out.push({ label: `update/s, ${w} writer(s)`, metric: `update_w${w}_rate`, ms: false, base: { sqlite, etcd } });
  }
  for (const op of ['create', 'update']) {
    for (const p of ['p50', 'p99']) {
      out.push({
        label: `${op} latency ${p}, 1 writer (ms)`, metric: `${op}_w1_${p}_ms`, ms: true,
        base: { sqlite: ['raw_sqlite', `insert_unbatched_${p}_ms`], etcd: ['raw_etcd', `put_c1_${p}_ms`] },
      });
    }
  }
  for (const n of listSizes) {
    out.push({ label: `list ${n} objects (ms)`, metric: `list_${n}_ms`, ms: true, base: { sqlite: ['raw_sqlite', `select_${n}_ms`], etcd: ['raw_etcd', `range_${n}_ms`] } });
    out.push({ label: `list ${n}, first page of 500 (ms)`, metric: `list_${n}_page500_ms`, ms: true, base: {} });
    out.push({ label: `count ${n} (ms)`, metric: `count_${n}_ms`, ms: true, base: {} });
    out.push({ label: `populate ${n}, 256 writers (/s)`, metric: `populate_${n}_rate`, ms: false, base: {} });
  }
  out.push({ label: 'watch fan-out: all events at all watchers (ms)', metric: 'watch_fanout_ms', ms: true, base: {} });
  out.push({ label: 'watch lag after the last write (ms)', metric: 'watch_lag_after_last_write_ms', ms: true, base: {} });
  out.push({ label: 'watch deliveries/s', metric: 'watch_deliveries_per_s', ms: false, base: {} });
  return out;
}

const fmt = (v: number | undefined, ms: boolean) =>
  v === undefined || !Number.isFinite(v) ? '-' : ms ? v.toFixed(2) : v >= 100 ? v.toFixed(0) : v.toFixed(1);

export function table(m: Record<string, Figures>, listSizes: number[]): { text: string; ratios: Record<string, Figures> } {
  const ratios: Record<string, Figures> = { sqlite: {}, etcd: {} };
  const lines: string[][] = [['figure', 'memory', 'sqlite', 'sqlite/raw', 'raw sqlite', 'etcd', 'etcd/raw', 'raw etcd']];
  for (const r of rows(listSizes)) {
    const cells = [r.label, fmt(m.memory?.[r.metric], r.ms)];
    for (const be of ['sqlite', 'etcd'] as const) {
      const v = m[be]?.[r.metric];
      const ref = r.base[be];
      const base = ref ? m[ref[0]]?.[ref[1]] : undefined;
      const ratio = v !== undefined && base ? v / base : undefined;
      if (ratio !== undefined) ratios[be]![r.metric] = ratio;
      cells.push(fmt(v, r.ms), ratio === undefined ? '' : `${ratio.toFixed(2)}x`, fmt(base, r.ms));
    }
    lines.push(cells);
  }
  lines.push(['raw sqlite insert/s, 256 per txn', '', '', '', fmt(m.raw_sqlite?.insert_batched_rate, false), '', '', '']);
  lines.push(['raw etcd put/s, 256 concurrent', '', '', '', '', '', '', fmt(m.raw_etcd?.put_c256_rate, false)]);
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const text = lines.map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
  return { text, ratios };
}

export interface Acceptance {
  target: string;
  met: boolean;
  detail: string;
}

export function acceptance(m: Record<string, Figures>): Acceptance[] {
  const out: Acceptance[] = [];
  const s = m.sqlite;
  const raw = m.raw_sqlite;
  if (s && raw) {
    const r = s.create_w256_rate! / raw.insert_batched_rate!;
    out.push({
      target: 'SQLite 256-writer create rate >= 30% of batched raw SQLite inserts',
      met: r >= 0.3, detail: `${s.create_w256_rate!.toFixed(0)}/s vs ${raw.insert_batched_rate!.toFixed(0)}/s = ${(r * 100).toFixed(1)}%`,
    });
    const p99 = Math.max(s.create_w1_p99_ms!, s.update_w1_p99_ms!);
    out.push({
      target: 'SQLite single-writer p99 < 5 ms', met: p99 < 5,
      detail: `create p99 ${s.create_w1_p99_ms!.toFixed(2)} ms, update p99 ${s.update_w1_p99_ms!.toFixed(2)} ms`,
    });
  }
  return out;
}

export function machine(): Record<string, string | number> {
  return {
    cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    kernel: release(), node: process.version,
  };
}
