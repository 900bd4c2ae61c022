// Server-side apply and field-manager bookkeeping. Apply merges a manager's
// applied configuration into the live object, refuses to take fields other
// managers set to other values (unless forced), and removes fields the
// manager applied before but no longer does. Ordinary writes record which
// fields their manager changed.
import { apiVersionOf } from '../../api/resources.ts';
import { StatusError } from '../../machinery/errors.ts';
import { toRequestVersion, toStorageVersion } from './versions.ts';
import type { RequestContext } from '../handlers/context.ts';
import { admitAndValidate } from '../handlers/write.ts';
import type { FieldSet, Path } from './managed-fields.ts';
import { changedLeaves, fieldsV1Of, formatPath, fromFieldsV1, hasLeaf, isNormalFieldsV1, leaves, toFieldsV1, valueAt } from './managed-fields.ts';
import { jsonEqual } from './equal.ts';
import { isDeepStrictEqual } from 'node:util';
import { deepCopy } from '../../machinery/clone.ts';
import { secondsTimestamp } from '../../machinery/time.ts';

interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, any>;
  subresource?: string;
}

function timestamp(d: Date): string {
  return secondsTimestamp(d);
}

function entriesOf(obj: any): Entry[] {
  return Array.isArray(obj?.metadata?.managedFields) ? obj.metadata.managedFields : [];
}

function setEntries(obj: any, entries: Entry[]): void {
  const kept = entries.filter((e) => Object.keys(e.fieldsV1).length > 0);
  if (kept.length > 0) obj.metadata.managedFields = kept;
  else delete obj.metadata.managedFields;
}

function withoutFields(entry: Entry, remove: ReadonlySet<string> | ReadonlyMap<string, unknown>): Entry {
  // Most writes touch none of another manager's fields: its tree stays as it is.
  if (isNormalFieldsV1(entry.fieldsV1)) {
    let hit = false;
    for (const k of remove.keys()) if ((hit = hasLeaf(entry.fieldsV1, k))) break;
    if (!hit) return { ...entry };
  }
  const set = fromFieldsV1(entry.fieldsV1);
  for (const k of remove.keys()) set.delete(k);
  return { ...entry, fieldsV1: toFieldsV1(set) };
}

/**
 * Records an ordinary write (create, update, patch): the fields that changed
 * now belong to `manager` (operation Update) and no longer to anyone else.
 */
export function trackUpdate(next: any, old: any | undefined, manager: string, apiVersion: string, now: Date, subresource = ''): void {
  if (old === undefined && next.metadata.managedFields === undefined) {
    // A create: every field is new and the manager is the only one.
    const fieldsV1 = fieldsV1Of(next);
    const entry: Entry = { manager, operation: 'Update', apiVersion, time: timestamp(now), fieldsType: 'FieldsV1', fieldsV1, ...(subresource ? { subresource } : {}) };
    setEntries(next, [entry]);
    return;
  }
  const changed = old ? changedLeaves(old, next, jsonEqual) : leaves(next);
  const entries = (next.metadata.managedFields !== undefined ? entriesOf(next) : entriesOf(old)).map((e) => withoutFields(e, changed));
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === subresource);
  const owned = mine ? fromFieldsV1(mine.fieldsV1) : new Map<string, Path>();
  for (const [k, p] of changed) if (p !== undefined) owned.set(k, p);
  const entry: Entry = {
    manager, operation: 'Update', apiVersion, time: timestamp(now), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(owned),
    ...(subresource ? { subresource } : {}),
  };
  setEntries(next, mine ? entries.map((e) => (e === mine ? entry : e)) : [...entries, entry]);
}

function conflictError(info: { group: string; resource: string }, name: string, conflicts: { manager: string; apiVersion: string; path: Path }[]): StatusError {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const k = `"${c.manager}" using ${c.apiVersion}`;
    byManager.set(k, [...(byManager.get(k) ?? []), formatPath(c.path)]);
  }
  const n = conflicts.length;
  let message = `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: `;
  const parts = [...byManager].map(([who, paths]) => (paths.length === 1 ? `conflict with ${who}: ${paths[0]}` : `conflicts with ${who}:\n${paths.map((p) => `- ${p}`).join('\n')}`));
  message += parts.join('\n');
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Conflict', code: 409,
    details: {
      name, group: info.group || undefined, kind: info.resource,
      causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: formatPath(c.path) })),
    },
  } as any);
}

function setAt(obj: any, path: Path, value: any): void {
  let cur = obj;
  for (let i = 0; i < path.length; i++) {
    const el = path[i];
    const last = i === path.length - 1;
    if (el === '.') return;
    if (el.startsWith('f:')) {
      const f = el.slice(2);
      if (last) { cur[f] = deepCopy(value); return; }
      const nextEl = path[i + 1];
      if (cur[f] === undefined || cur[f] === null || typeof cur[f] !== 'object') cur[f] = nextEl.startsWith('f:') ? {} : [];
      cur = cur[f];
    } else if (el.startsWith('k:')) {
      const id = JSON.parse(el.slice(2));
      let item = cur.find((x: any) => Object.entries(id).every(([k, v]) => x?.[k] === v));
      if (!item) cur.push((item = { ...id }));
      cur = item;
    } else if (el.startsWith('v:')) {
      const v = JSON.parse(el.slice(2));
      if (!cur.includes(v)) cur.push(v);
      return;
    }
  }
}

function removeAt(obj: any, path: Path): void {
  const parentPath = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  const last = parentPath[parentPath.length - 1];
  const parent = valueAt(obj, parentPath.slice(0, -1));
  if (parent === undefined || parent === null) return;
  if (last.startsWith('f:')) delete parent[last.slice(2)];
  else if (last.startsWith('k:') && Array.isArray(parent)) {
    const id = JSON.parse(last.slice(2));
    const idx = parent.findIndex((x: any) => Object.entries(id).every(([k, v]) => x?.[k] === v));
    if (idx >= 0) parent.splice(idx, 1);
  } else if (last.startsWith('v:') && Array.isArray(parent)) {
    const idx = parent.indexOf(JSON.parse(last.slice(2)));
    if (idx >= 0) parent.splice(idx, 1);
  }
}

export async function serverSideApply(ctx: RequestContext, applied: any, manager: string, force: boolean, dryRun: boolean): Promise<{ obj: any; created: boolean }> {
  const { namespace, name, subresource } = ctx.info;
  const apiVersion = apiVersionOf(ctx.resource);
  const now = ctx.services.now();
  applied.metadata ??= {};
  if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
    throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 400, reason: 'BadRequest', details: {},
      message: `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})` } as any);
  }
  const fa = leaves(applied);
  // Fields are merged in the request's version; what is written is in the storage version (versions.ts).
  let current: any;
  let stored: any;
  let rev = 0;
  try {
    const kv = await ctx.store.getKv(namespace, name);
    stored = ctx.store.decode(kv);
    current = toRequestVersion(ctx.resource, stored);
    rev = kv.modRevision;
  } catch (err) {
    if ((err as any)?.status?.code !== 404 || subresource !== '') throw err;
  }
  if (!current) {
    const given = deepCopy(applied);
    given.metadata.name = name;
    const obj = toStorageVersion(ctx.resource, given);
    ctx.store.prepareCreate(obj, namespace);
    obj.metadata.managedFields = [{ manager, operation: 'Apply', apiVersion, time: timestamp(now), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(fa) }];
    await admitAndValidate(ctx, 'CREATE', obj, undefined, dryRun);
    return { obj: await ctx.store.create(obj, dryRun), created: true };
  }

  let entries = entriesOf(current);
  const conflicts: { manager: string; apiVersion: string; path: Path }[] = [];
  const taken = new Map<Entry, Set<string>>();
  for (const e of entries) {
    if (e.manager === manager && e.operation === 'Apply') continue;
    const owned = fromFieldsV1(e.fieldsV1);
    for (const [k, p] of fa) {
      if (!owned.has(k) || p[p.length - 1] === '.') continue;
      if (!isDeepStrictEqual(valueAt(applied, p), valueAt(current, p))) {
        conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path: p });
        if (!taken.has(e)) taken.set(e, new Set());
        taken.get(e)!.add(k);
      }
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(ctx.store.qualified, name, conflicts);
  entries = entries.map((e) => (taken.has(e) ? withoutFields(e, taken.get(e)!) : e));

  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply');
  const previously: FieldSet = mine ? fromFieldsV1(mine.fieldsV1) : new Map();
  const othersOwn = new Set<string>();
  for (const e of entries) if (e !== mine) for (const k of fromFieldsV1(e.fieldsV1).keys()) othersOwn.add(k);

  const merged = deepCopy(current);
  for (const [k, p] of previously) if (!fa.has(k) && !othersOwn.has(k)) removeAt(merged, p);
  for (const p of fa.values()) setAt(merged, p, valueAt(applied, p));
  const next = toStorageVersion(ctx.resource, merged);
  const entry: Entry = { manager, operation: 'Apply', apiVersion, time: timestamp(now), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(fa) };
  setEntries(next, mine ? entries.map((e) => (e === mine ? entry : e)) : [...entries, entry]);
  next.metadata.resourceVersion = current.metadata.resourceVersion;

  ctx.store.prepareUpdate(next, stored, subresource);
  await admitAndValidate(ctx, 'UPDATE', next, stored, dryRun);
  const { obj } = await ctx.store.writeUpdate(next, rev, dryRun);
  return { obj, created: false };
}

