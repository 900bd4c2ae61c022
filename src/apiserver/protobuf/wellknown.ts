// Messages whose JSON form is not an object of their fields: Kubernetes'
// hand-written types (Time, Quantity, IntOrString, …) marshal to strings,
// numbers or embedded JSON, and the decoder must give the same JSON.
import { Reader, ProtobufWireError } from './reader.ts';

const META = 'apimachinery.pkg.apis.meta.v1.';
const utf8 = new TextDecoder('utf-8');

type Special = (buf: Uint8Array, nested: (raw: Uint8Array) => unknown) => unknown;

/** Reads the top-level fields of a small message, keeping the last of each number. */
function fields(buf: Uint8Array, read: (r: Reader, field: number, wire: number) => boolean): void {
  const r = new Reader(buf);
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (!read(r, field, wire)) r.skip(wire);
  }
}

function timestamp(buf: Uint8Array): { seconds: number; nanos: number } {
  let seconds = 0;
  let nanos = 0;
  fields(buf, (r, f, w) => {
    if (f === 1 && w === 0) seconds = r.int64();
    else if (f === 2 && w === 0) nanos = r.int32();
    else return false;
    return true;
  });
  return { seconds, nanos };
}

/** RFC 3339 in UTC with `digits` fractional digits, as Go formats metav1.Time / MicroTime. */
function rfc3339(seconds: number, micros: number, digits: 0 | 6): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return digits === 0 ? `${base}Z` : `${base}.${String(micros).padStart(6, '0')}Z`;
}

function frac(v: bigint, unit: bigint): string {
  const rem = v % unit;
  if (rem === 0n) return String(v / unit);
  const digits = String(unit).length - 1;
  return `${v / unit}.${String(rem).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's time.Duration.String(): "1h0m0s", "1m30s", "1.5s", "500ms", "0s". */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  let u = ns < 0n ? -ns : ns;
  let out: string;
  if (u < 1_000n) out = `${u}ns`;
  else if (u < 1_000_000n) out = `${frac(u, 1_000n)}µs`;
  else if (u < 1_000_000_000n) out = `${frac(u, 1_000_000n)}ms`;
  else {
    const h = u / 3_600_000_000_000n;
    u %= 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u %= 60_000_000_000n;
    const s = `${frac(u, 1_000_000_000n)}s`;
    out = h > 0n ? `${h}h${m}m${s}` : m > 0n ? `${m}m${s}` : s;
  }
  return ns < 0n ? `-${out}` : out;
}

function oneBytesField(buf: Uint8Array): Uint8Array | undefined {
  let raw: Uint8Array | undefined;
  fields(buf, (r, f, w) => {
    if (f !== 1 || w !== 2) return false;
    raw = r.bytes();
    return true;
  });
  return raw;
}

function quantity(buf: Uint8Array): string {
  const raw = oneBytesField(buf);
  return raw ? utf8.decode(raw) : '0';
}

function embeddedJson(raw: Uint8Array | undefined, nested: (raw: Uint8Array) => unknown): unknown {
  if (!raw || raw.length === 0) return null;
  if (raw.length >= 4 && raw[0] === 0x6b && raw[1] === 0x38 && raw[2] === 0x73 && raw[3] === 0) return nested(raw);
  try {
    return JSON.parse(utf8.decode(raw));
  } catch (err) {
    throw new ProtobufWireError(`embedded raw object is not valid JSON: ${(err as Error).message}`);
  }
}

export const SPECIALS: ReadonlyMap<string, Special> = new Map<string, Special>([
  // Time drops nanoseconds when read (upstream keeps JSON's second precision); empty is the zero time, JSON null.
  [`${META}Time`, (buf) => (buf.length === 0 ? null : rfc3339(timestamp(buf).seconds, 0, 0))],
  [`${META}MicroTime`, (buf) => {
    if (buf.length === 0) return null;
    const { seconds, nanos } = timestamp(buf);
    return rfc3339(seconds + Math.floor(nanos / 1e9), Math.floor((((nanos % 1e9) + 1e9) % 1e9) / 1000), 6);
  }],
  [`${META}Duration`, (buf) => {
    let ns = 0n;
    fields(buf, (r, f, w) => {
      if (f !== 1 || w !== 0) return false;
      ns = r.int64Big();
      return true;
    });
    return goDuration(ns);
  }],
  [`${META}FieldsV1`, (buf, nested) => embeddedJson(oneBytesField(buf), nested)],
  ['apimachinery.pkg.runtime.RawExtension', (buf, nested) => embeddedJson(oneBytesField(buf), nested)],
  ['apimachinery.pkg.api.resource.Quantity', quantity],
  ['apimachinery.pkg.api.resource.QuantityValue', quantity],
  ['apimachinery.pkg.util.intstr.IntOrString', (buf) => {
    let type = 0;
    let intVal = 0;
    let strVal = '';
    fields(buf, (r, f, w) => {
      if (f === 1 && w === 0) type = r.int64();
      else if (f === 2 && w === 0) intVal = r.int32();
      else if (f === 3 && w === 2) strVal = utf8.decode(r.bytes());
      else return false;
      return true;
    });
    return type === 1 ? strVal : intVal;
  }],
]);
