// Deep equality of API objects. util.isDeepStrictEqual showed in profiles of
// every update (managed fields compare each changed leaf, generation compares
// the spec); for JSON-shaped data (plain objects, dense arrays, primitives) a
// direct walk gives the same answer at a fraction of the cost. Anything else
// goes to isDeepStrictEqual, so the answer is always the one it gives.
import { isDeepStrictEqual } from 'node:util';

export function jsonEqual(a: unknown, b: unknown): boolean {
  // isDeepStrictEqual tells 0 from -0 and holds NaN equal to NaN, as Object.is does.
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  if (a === b) return true;
  const pa = Object.getPrototypeOf(a);
  const pb = Object.getPrototypeOf(b);
  if (pa === Array.prototype && pb === Array.prototype) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      if (!(i in x) || !(i in y)) return isDeepStrictEqual(a, b);
      if (!jsonEqual(x[i], y[i])) return false;
    }
    return true;
  }
  if (pa !== Object.prototype || pb !== Object.prototype) return isDeepStrictEqual(a, b);
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (!Object.hasOwn(y, k) || !jsonEqual(x[k], y[k])) return false;
  }
  return true;
}
