// POST and PUT. Both run the same pipeline after decoding: fieldValidation,
// defaults, mutating admission, validation, validating admission, then the
// store write (skipped for dryRun=All).
import { apiVersionOf } from '../../api/resources.ts';
import { newBadRequest, newMethodNotSupported, newNotFound } from '../../machinery/errors.ts';
import { decodeBody, isObject, readBody } from '../codec.ts';
import type { AdmissionAttributes, Operation } from '../admission/index.ts';
import { validateObject } from '../registry/validate.ts';
import { findUnknownFields } from '../openapi/unknown-fields.ts';
import { isConflictError } from '../registry/store.ts';
import { StorageError } from '../../storage/backend.ts';
import type { RequestContext } from './context.ts';
import { isDryRun, respondObject } from './context.ts';
import { hooksFor } from '../../api/hooks.ts';
import { trackUpdate } from '../registry/apply.ts';
import { toStorageVersion } from '../registry/versions.ts';
import { deepCopy } from '../../machinery/clone.ts';

/** Reads the body and checks it names this endpoint's kind. */
export async function decodeObject(ctx: RequestContext): Promise<any> {
  return decodeRaw(ctx, await readBody(ctx.req));
}

function decodeRaw(ctx: RequestContext, body: Buffer): any {
  const obj = decodeBody(body, ctx.req.headers['content-type']);
  if (!isObject(obj)) throw newBadRequest(`the request body must be a JSON or YAML object, not ${Array.isArray(obj) ? 'an array' : typeof obj}`);
  checkTypeMeta(ctx, obj);
  applyFieldValidation(ctx, obj);
  return toStorageVersion(ctx.resource, obj);
}

export function checkTypeMeta(ctx: RequestContext, obj: any): void {
  const expected = apiVersionOf(ctx.resource);
  if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
    throw newBadRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (obj.kind !== undefined && obj.kind !== ctx.resource.kind) {
    throw newBadRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${ctx.resource.kind})`);
  }
  if (obj.metadata !== undefined && !isObject(obj.metadata)) throw newBadRequest(`metadata must be an object`);
}

/** fieldValidation=Strict refuses unknown fields; Warn (the default) reports them in Warning headers. */
export function applyFieldValidation(ctx: RequestContext, obj: any): void {
  const mode = ctx.query.get('fieldValidation') ?? 'Warn';
  if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore') {
    throw newBadRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`);
  }
  if (mode === 'Ignore') return;
  const unknown = findUnknownFields({ group: ctx.resource.group, version: ctx.resource.version, kind: ctx.resource.kind }, obj);
  if (unknown.length === 0) return;
  const messages = unknown.map((f: string) => `unknown field "${f.replace(/^\./, '')}"`);
  if (mode === 'Strict') {
    throw newBadRequest(`${ctx.resource.kind} in version "${ctx.resource.version}" cannot be handled as a ${ctx.resource.kind}: strict decoding error: ${messages.join(', ')}`);
  }
  ctx.warnings.push(...messages);
}

/** The field manager of a write: the fieldManager parameter, or the client's User-Agent name. */
export function fieldManagerOf(ctx: RequestContext): string {
  const explicit = ctx.query.get('fieldManager');
  if (explicit !== null) {
    if (explicit.length > 128) throw newBadRequest(`fieldManager: Too long: may not be more than 128 bytes`);
    return explicit;
  }
  const agent = ctx.req.headers['user-agent'] ?? 'unknown';
  return agent.split('/')[0].slice(0, 128);
}

/** Records which fields this write's manager now owns. */
export function recordManager(ctx: RequestContext, obj: any, old: any | undefined): void {
  trackUpdate(obj, old, fieldManagerOf(ctx), apiVersionOf(ctx.resource), ctx.services.now(), ctx.info.subresource);
}

/** Defaults, admission and validation for an object about to be written. */
export async function admitAndValidate(ctx: RequestContext, operation: Operation, obj: any, old: any | undefined, dryRun: boolean): Promise<void> {
  // The object is in the storage version (registry/versions.ts): so are its defaults and validation.
  const target = ctx.store.info;
  const hooks = hooksFor(target.group, target.version, target.kind);
  if (ctx.info.subresource === '') hooks.defaults?.(obj);
  const attrs: AdmissionAttributes = {
    operation, resource: ctx.resource, subresource: ctx.info.subresource, namespace: ctx.info.namespace,
    name: obj.metadata?.name ?? ctx.info.name, object: obj, oldObject: old, user: ctx.user, dryRun,
  };
  await ctx.services.admission.admit(attrs);
  validateObject(target, obj, old);
  await ctx.services.admission.validate(attrs);
}

export async function handleCreate(ctx: RequestContext): Promise<void> {
  if (ctx.info.name !== '' && ctx.info.subresource === '') throw newMethodNotSupported(ctx.store.qualified, 'create');
  const obj = await decodeObject(ctx);
  const dryRun = isDryRun(ctx.query);
  obj.metadata ??= {};
  if (ctx.resource.namespaced && obj.metadata.namespace && obj.metadata.namespace !== ctx.info.namespace) {
    throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  ctx.store.prepareCreate(obj, ctx.info.namespace);
  await admitAndValidate(ctx, 'CREATE', obj, undefined, dryRun);
  recordManager(ctx, obj, undefined);
  const created = await ctx.store.create(obj, dryRun);
  respondObject(ctx, 201, created);
}

export async function handleUpdate(ctx: RequestContext): Promise<void> {
  const raw = await readBody(ctx.req);
  const warnings = ctx.warnings.length;
  const decode = (): any => {
    ctx.warnings.length = warnings;
    const obj = decodeRaw(ctx, raw);
    obj.metadata ??= {};
    if (obj.metadata.name !== undefined && obj.metadata.name !== ctx.info.name) {
      throw newBadRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${ctx.info.name})`);
    }
    obj.metadata.name = ctx.info.name;
    if (ctx.resource.namespaced && obj.metadata.namespace && obj.metadata.namespace !== ctx.info.namespace) {
      throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return obj;
  };
  let obj = decode();
  const dryRun = isDryRun(ctx.query);
  const wanted = obj.metadata.resourceVersion as string | undefined;
  // As guaranteedUpdate: when the watch cache holds the very revision the
  // client updates, start from it instead of a storage read. Any failure
  // may come from a stale cache, so it is redone from storage, with the
  // request decoded afresh (the attempt changed the object).
  const cached = wanted && !dryRun ? ctx.store.cached(ctx.info.namespace, ctx.info.name) : undefined;
  if (cached !== undefined && cached.metadata?.resourceVersion === wanted) {
    let written: any;
    try {
      written = await writeOver(ctx, obj, deepCopy(cached), Number(wanted), wanted, dryRun);
    } catch {
      obj = decode();
    }
    if (written !== undefined) {
      respondObject(ctx, 200, written);
      return;
    }
  }
  let kv;
  try {
    kv = await ctx.store.getKv(ctx.info.namespace, ctx.info.name);
  } catch (err) {
    if ((err as any)?.status?.code === 404 && ctx.info.subresource === '' && allowsCreateOnUpdate(ctx)) {
      ctx.store.prepareCreate(obj, ctx.info.namespace);
      await admitAndValidate(ctx, 'CREATE', obj, undefined, dryRun);
      recordManager(ctx, obj, undefined);
      respondObject(ctx, 201, await ctx.store.create(obj, dryRun));
      return;
    }
    throw err;
  }
  const old = ctx.store.decode(kv);
  if (wanted !== undefined && wanted !== '' && wanted !== String(kv.modRevision)) {
    throw conflict(ctx);
  }
  respondObject(ctx, 200, await writeOver(ctx, obj, old, kv.modRevision, wanted, dryRun));
}

/** The update proper, over the stored object old at revision. */
async function writeOver(ctx: RequestContext, obj: any, old: any, revision: number, wanted: string | undefined, dryRun: boolean): Promise<any> {
  ctx.store.prepareUpdate(obj, old, ctx.info.subresource);
  await admitAndValidate(ctx, 'UPDATE', obj, old, dryRun);
  recordManager(ctx, obj, old);
  try {
    const { obj: written } = await ctx.store.writeUpdate(obj, revision, dryRun);
    return written;
  } catch (err) {
    if (isConflictError(err) && wanted === undefined) throw conflict(ctx);
    throw err;
  }
}

function conflict(ctx: RequestContext): Error {
  return ctx.store.toApiError(new StorageError('Conflict', 'resourceVersion mismatch'), ctx.info.name) as Error;
}

/** Upstream lets a PUT create these objects (their clients upsert). */
function allowsCreateOnUpdate(ctx: RequestContext): boolean {
  const r = ctx.resource;
  return r.group === '' && (r.resource === 'events' || r.resource === 'endpoints');
}

export function notFound(ctx: RequestContext): Error {
  return newNotFound(ctx.store.qualified, ctx.info.name);
}
