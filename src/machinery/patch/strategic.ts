// Strategic merge patch, applied as kube-apiserver applies what kubectl
// sends. Lists merge by their patch merge key where the schema says
// `x-kubernetes-patch-strategy: merge`, otherwise they are replaced; the
// directives $patch (replace/merge/delete), $retainKeys,
// $setElementOrder/<list> and $deleteFromPrimitiveList/<list> are honoured.
// The schema comes from the OpenAPI definitions, so the rules are upstream's.
import type { Schema } from '../../api/openapi/definitions.ts';
import { DEFINITIONS, refName } from '../../api/openapi/definitions.ts';
import { PatchError, clone, isPlainObject } from './errors.ts';
import { isDeepEqual } from './equal.ts';

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

function resolve(s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 16; i++) cur = DEFINITIONS[refName(cur.$ref)];
  return cur;
}

function fieldSchema(s: Schema | undefined, key: string): Schema | undefined {
  const r = resolve(s);
  if (!r) return undefined;
  if (r.properties?.[key]) return r.properties[key];
  if (isPlainObject(r.additionalProperties)) return r.additionalProperties as Schema;
  return undefined;
}

function strategyOf(s: Schema | undefined): { merge: boolean; retainKeys: boolean; key?: string } {
  const raw = String(s?.['x-kubernetes-patch-strategy'] ?? '');
  const parts = raw.split(',');
  return { merge: parts.includes('merge'), retainKeys: parts.includes('retainKeys'), key: s?.['x-kubernetes-patch-merge-key'] as string | undefined };
}

export function applyStrategicPatch(original: unknown, patch: unknown, schema: Schema | undefined): unknown {
  if (!isPlainObject(patch)) throw new PatchError('a strategic merge patch must be a JSON object');
  // One deep copy of the original, then merged in place: copying again at
  // each level copied the deepest parts once per level above them.
  return mergeMap(isPlainObject(original) ? clone(original) : {}, patch, schema);
}

/** Merges patch into original, which the caller owns (a part of the one copy, or new). */
function mergeMap(original: Record<string, any>, patch: Record<string, any>, schema: Schema | undefined): any {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (directive === 'delete') return undefined;
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  const out = original;
  if (patch.$retainKeys !== undefined) {
    if (!Array.isArray(patch.$retainKeys)) throw new PatchError('$retainKeys must be a list of field names');
    for (const k of Object.keys(out)) if (!patch.$retainKeys.includes(k)) delete out[k];
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      if (!Array.isArray(v)) throw new PatchError(`${k} must be a list`);
      if (Array.isArray(out[field])) out[field] = out[field].filter((x: unknown) => !v.some((d) => isDeepEqual(d, x)));
      continue;
    }
    if (k.startsWith(SET_ORDER)) continue;
    const fs = fieldSchema(schema, k);
    if (v === null) {
      delete out[k];
      continue;
    }
    if (isPlainObject(v)) {
      const merged = isPlainObject(out[k]) ? mergeMap(out[k], v, fs) : mergeMap({}, v, fs);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(out[k]) ? out[k] : [], v, fs, patch[`${SET_ORDER}${k}`]);
      continue;
    }
    out[k] = v;
  }
  // $setElementOrder for lists the patch did not otherwise touch.
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const field = k.slice(SET_ORDER.length);
    if (Array.isArray(out[field]) && !Object.hasOwn(patch, field)) out[field] = orderBy(out[field], order, strategyOf(fieldSchema(schema, field)).key);
  }
  return out;
}

function stripDirectives(v: any): any {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isPlainObject(v)) return v;
  const out: Record<string, any> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

function mergeList(original: any[], patch: any[], schema: Schema | undefined, order: unknown): any[] {
  const { merge, key } = strategyOf(schema);
  const itemSchema = resolve(schema)?.items;
  if (patch.some((x) => isPlainObject(x) && x.$patch === 'replace')) {
    return stripDirectives(patch.filter((x) => !(isPlainObject(x) && x.$patch === 'replace')));
  }
  if (!merge) return stripDirectives(patch);
  const primitive = patch.every((x) => !isPlainObject(x)) && original.every((x) => !isPlainObject(x));
  let out: any[];
  if (primitive || !key) {
    if (!primitive) return stripDirectives(patch);
    out = [...original];
    for (const x of patch) if (!out.some((o) => isDeepEqual(o, x))) out.push(x);
  } else {
    out = original;
    for (const item of patch) {
      if (!isPlainObject(item)) throw new PatchError(`a list merged by "${key}" needs objects, found ${JSON.stringify(item)}`);
      if (!Object.hasOwn(item, key)) throw new PatchError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
      const idx = out.findIndex((o) => isPlainObject(o) && isDeepEqual(o[key], item[key]));
      if (item.$patch === 'delete') {
        if (idx >= 0) out.splice(idx, 1);
        continue;
      }
      if (idx >= 0) out[idx] = mergeMap(out[idx], item, itemSchema);
      else out.push(mergeMap({}, item, itemSchema));
    }
  }
  return Array.isArray(order) ? orderBy(out, order, key) : out;
}

/** Orders items as $setElementOrder lists them; items it does not name keep their place after them. */
function orderBy(items: any[], order: unknown[], key: string | undefined): any[] {
  const idOf = (x: any) => (key && isPlainObject(x) ? x[key] : x);
  const named = (order as any[]).map((o) => (key && isPlainObject(o) ? o[key] : o));
  const rank = (x: any) => {
    const i = named.findIndex((n) => isDeepEqual(n, idOf(x)));
    return i < 0 ? named.length : i;
  };
  return items.map((x, i) => ({ x, i, r: rank(x) })).sort((a, b) => a.r - b.r || a.i - b.i).map((e) => e.x);
}
