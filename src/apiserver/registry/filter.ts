// Label and field selectors of a list or watch request, compiled once into
// a predicate over objects. Unsupported field labels are refused up front
// with upstream's message.
import { parseSelector } from '../../machinery/labels.ts';
import { parseFieldSelector } from '../../machinery/fields.ts';
import { newBadRequest } from '../../machinery/errors.ts';
import { hooksFor } from '../../api/hooks.ts';
import type { ResourceInfo } from '../../api/resources.ts';

export interface ObjectFilter {
  (obj: any): boolean;
  matchesEverything: boolean;
}

export function selectableFields(info: ResourceInfo, obj: any): Record<string, string> {
  const hooks = hooksFor(info.group, info.version, info.kind);
  const own = hooks.selectableFields?.(obj) ?? {};
  const base: Record<string, string> = { 'metadata.name': obj?.metadata?.name ?? '' };
  if (info.namespaced) base['metadata.namespace'] = obj?.metadata?.namespace ?? '';
  return { ...base, ...own };
}

// Each event of the watch cache goes past every watcher of its resource; with
// field selectors (a kubelet's spec.nodeName, one per node) the fields of the
// one shared, never-mutated object are worked out once, not once per watcher.
const sharedFields = new WeakMap<object, { info: ResourceInfo; fields: Record<string, string> }>();

function fieldsOfShared(info: ResourceInfo, obj: any): Record<string, string> {
  if (typeof obj !== 'object' || obj === null) return selectableFields(info, obj);
  const hit = sharedFields.get(obj);
  if (hit && hit.info === info) return hit.fields;
  const fields = selectableFields(info, obj);
  sharedFields.set(obj, { info, fields });
  return fields;
}

/**
 * `immutable`: the filter only ever sees objects that nobody changes (the
 * watch cache's), so their selectable fields may be remembered per object.
 */
export function compileFilter(info: ResourceInfo, labelSelector: string | null, fieldSelector: string | null, immutable = false): ObjectFilter {
  let labels: ReturnType<typeof parseSelector> | null = null;
  let fields: ReturnType<typeof parseFieldSelector> | null = null;
  try {
    if (labelSelector && labelSelector.trim() !== '') labels = parseSelector(labelSelector);
  } catch (err) {
    throw newBadRequest(`unable to parse requirement: ${(err as Error).message}`);
  }
  try {
    if (fieldSelector && fieldSelector.trim() !== '') fields = parseFieldSelector(fieldSelector);
  } catch (err) {
    throw newBadRequest((err as Error).message);
  }
  if (fields) {
    // Known field labels are those the kind exposes for an empty object.
    const known = new Set(Object.keys(selectableFields(info, { metadata: {}, spec: {}, status: {} })));
    for (const r of fields.requirements()) {
      if (!known.has(r.field)) throw newBadRequest(`field label not supported: ${r.field}`);
    }
  }
  const l = labels;
  const f = fields;
  const fieldsOf = immutable ? fieldsOfShared : selectableFields;
  const fn = ((obj: any) => {
    if (l && !l.matches(obj?.metadata?.labels ?? {})) return false;
    if (f && !f.matches(fieldsOf(info, obj))) return false;
    return true;
  }) as ObjectFilter;
  fn.matchesEverything = !l && !f;
  return fn;
}
