// Just enough of resource.Quantity for scheduling: a quantity string to an
// integer count of milli-units (CPU) or units (memory, pods, extended
// resources), rounded up as upstream's MilliValue/Value do.
// TODO: switch to src/machinery/quantity.ts once it lands.
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const RE = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

function parse(q: string | number | undefined): number {
  if (q === undefined || q === null) return 0;
  if (typeof q === 'number') return q;
  const m = RE.exec(q.trim());
  if (!m) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "${q}"`);
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return n * (BINARY[suffix] ?? DECIMAL[suffix]);
}

/** Value in milli-units, rounded up (cpu: "100m" → 100, "1" → 1000). */
export function milliValue(q: string | number | undefined): number {
  return Math.ceil(Math.round(parse(q) * 1e6) / 1e3);
}

/** Value in whole units, rounded up (memory: "1Ki" → 1024, "0.5" → 1). */
export function value(q: string | number | undefined): number {
  return Math.ceil(Math.round(parse(q) * 1e3) / 1e3);
}
