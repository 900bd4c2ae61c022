// Key ordering and prefix ranges shared by the backends. Keys are ordered by
// their UTF-8 bytes, as etcd and SQLite (BINARY collation) order them. UTF-8
// byte order equals code point order, which differs from JavaScript's UTF-16
// code unit order only for astral characters against U+E000..U+FFFF.

/** Compares two keys in UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after the rest of the BMP in UTF-8.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x <= 0xdfff ? x + 0x10000 : x;
      y = y <= 0xdfff ? y + 0x10000 : y;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * The smallest key greater than every key that starts with prefix, or
 * undefined when there is none (empty prefix). Incrementing the last code
 * point is exact because byte order equals code point order.
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue;
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return cps.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/** Index of the first element of sorted keys that is >= key. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(sorted[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
