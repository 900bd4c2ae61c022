// Node taints given on the command line, as upstream's --register-with-taints
// reads them: key=value:Effect or key:Effect, comma-separated.
export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
// A qualified name: optional DNS-subdomain prefix and a name of up to 63 characters.
const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function parseTaint(spec: string): Taint {
  const colon = spec.lastIndexOf(':');
  if (colon < 0) throw new Error(`invalid taint spec: ${spec} (want key=value:Effect or key:Effect)`);
  const effect = spec.slice(colon + 1);
  if (!EFFECTS.has(effect)) throw new Error(`invalid taint effect: ${effect}, unsupported taint effect (NoSchedule, PreferNoSchedule or NoExecute) in "${spec}"`);
  const kv = spec.slice(0, colon);
  const eq = kv.indexOf('=');
  const key = eq < 0 ? kv : kv.slice(0, eq);
  const value = eq < 0 ? undefined : kv.slice(eq + 1);
  if (!KEY.test(key)) throw new Error(`invalid taint spec: ${spec}: the key "${key}" is not a qualified name`);
  if (value !== undefined && !VALUE.test(value)) throw new Error(`invalid taint spec: ${spec}: the value "${value}" is not a valid label value`);
  return { key, ...(value ? { value } : {}), effect: effect as Taint['effect'] };
}

/** Parses a comma-separated list; duplicates of a key and effect are refused as upstream does. */
export function parseTaints(specs: string[]): Taint[] {
  const out: Taint[] = [];
  for (const spec of specs.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const t = parseTaint(spec);
    if (out.some((o) => o.key === t.key && o.effect === t.effect)) throw new Error(`duplicated taints with the same key and effect: ${t.key}:${t.effect}`);
    out.push(t);
  }
  return out;
}
