// resource.Quantity with upstream's semantics: the accepted syntax, the
// format a quantity keeps (binary SI, decimal SI, decimal exponent), the
// canonical string it prints as, and exact arithmetic.
//
// A value is held exactly as a BigInt count of nano-units, the finest scale
// upstream keeps; finer inputs round away from zero, as upstream's RoundUp
// does ("0.1n" is "1n").

export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

export interface Quantity {
  /** The value in nano-units (1 = 1e-9). */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

const NANO = 1_000_000_000n;
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX = new Map(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const SYNTAX = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
// Upstream's own wording for a malformed quantity.
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export class QuantityError extends Error {}

/** Divides, rounding away from zero. */
function divUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  return q * d === n ? q : q + (n < 0n ? -1n : 1n);
}

/** Parses a quantity string (or a JSON number). Throws QuantityError on bad syntax. */
export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === 'number' ? String(input) : input.trim();
  const m = SYNTAX.exec(text);
  if (!m) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const [, sign, num, suffix, exp] = m;
  const [whole, frac = ''] = num!.split('.');
  let digits = BigInt(`${whole || '0'}${frac}`);
  // The value is digits × 10^(-frac.length) × multiplier.
  let pow10 = -frac.length;
  let format: QuantityFormat = 'DecimalSI';
  if (exp !== undefined) {
    if (Math.abs(Number(exp)) > 1000) throw new QuantityError(QUANTITY_FORMAT_ERROR);
    pow10 += Number(exp);
    format = 'DecimalExponent';
  } else if (suffix && suffix in BINARY) {
    digits *= 1024n ** BigInt(BINARY[suffix]!);
    format = 'BinarySI';
  } else {
    pow10 += DECIMAL[suffix ?? '']!;
  }
  // To nano-units: multiply by 10^(pow10 + 9).
  const shift = pow10 + 9;
  let nanos = shift >= 0 ? digits * 10n ** BigInt(shift) : divUp(digits, 10n ** BigInt(-shift));
  if (sign === '-') nanos = -nanos;
  return { nanos, format };
}

function trailingDecimalExponent(n: bigint): number {
  let e = 0;
  while (n !== 0n && n % 1000n === 0n && e < 18 + 9) { n /= 1000n; e += 3; }
  return e;
}

function formatDecimal(nanos: bigint, exponentForm: boolean): string {
  // The largest multiple-of-3 exponent (n … E) that keeps the mantissa whole.
  const e = Math.min(trailingDecimalExponent(nanos), 27) - 9;
  const mantissa = nanos / 10n ** BigInt(e + 9);
  if (exponentForm) return e === 0 ? String(mantissa) : `${mantissa}e${e}`;
  return `${mantissa}${DECIMAL_SUFFIX.get(e)}`;
}

/** The canonical string upstream prints for a quantity. */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  if (q.format === 'BinarySI') {
    const abs = q.nanos < 0n ? -q.nanos : q.nanos;
    // Small or fractional binary quantities print in decimal SI, as upstream.
    if (abs < 1024n * NANO || abs % NANO !== 0n) return formatDecimal(q.nanos, false);
    let units = q.nanos / NANO;
    let k = 0;
    while (k < 6 && units % 1024n === 0n) { units /= 1024n; k++; }
    return `${units}${BINARY_SUFFIX[k]}`;
  }
  return formatDecimal(q.nanos, q.format === 'DecimalExponent');
}

/** Parses and prints in canonical form ("1000m" → "1", "0.5Gi" → "512Mi"). */
export function canonicalQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

export function addQuantity(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export function subQuantity(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos - b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export function mulQuantity(a: Quantity, factor: number | bigint): Quantity {
  return { nanos: a.nanos * BigInt(factor), format: a.format };
}

export function cmpQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** The value in milli-units, rounded away from zero (upstream's MilliValue). */
export function milliValue(q: Quantity): number {
  return Number(divUp(q.nanos, 1_000_000n));
}

/** The value in whole units, rounded away from zero (upstream's Value). */
export function unitValue(q: Quantity): number {
  return Number(divUp(q.nanos, NANO));
}

/** The value as a float, for ratios (utilisation, scores). */
export function floatValue(q: Quantity): number {
  return Number(q.nanos) / 1e9;
}
