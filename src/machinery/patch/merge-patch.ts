// JSON Merge Patch (RFC 7386): objects merge key by key, null deletes, and
// anything else (arrays included) replaces.
import { clone, isPlainObject } from './errors.ts';
import { isDeepEqual } from './equal.ts';

export function applyMergePatch(original: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  // One deep copy of the original, then merged in place: copying again at
  // each level would copy the deepest parts once per level above them.
  return mergeInPlace(isPlainObject(original) ? clone(original) : {}, patch);
}

function mergeInPlace(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergeInPlace(out[k], v);
  }
  return out;
}

/** The merge patch that turns original into modified. */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isPlainObject(original) || !isPlainObject(modified)) return clone(modified);
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(original)) if (!Object.hasOwn(modified, k)) patch[k] = null;
  for (const [k, v] of Object.entries(modified)) {
    if (!Object.hasOwn(original, k)) patch[k] = clone(v);
    else if (!isDeepEqual(original[k], v)) patch[k] = isPlainObject(v) && isPlainObject(original[k]) ? createMergePatch(original[k], v) : clone(v);
  }
  return patch;
}
