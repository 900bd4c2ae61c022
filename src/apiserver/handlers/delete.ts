// DELETE of one object and of collections. An object with finalizers (or a
// cascading policy that needs the garbage collector, or a pod on a node
// with a grace period) is only marked with deletionTimestamp; the rest go.
import { newBadRequest, newConflict } from '../../machinery/errors.ts';
import { decodeBody, isObject, readBody } from '../codec.ts';
import type { DeleteOptions } from '../registry/store.ts';
import { compileFilter } from '../registry/filter.ts';
import type { RequestContext } from './context.ts';
import { isDryRun, respondList, respondObject, respondStatus } from './context.ts';

export async function readDeleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const opts: DeleteOptions = {};
  const body = await readBody(ctx.req);
  if (body.length > 0 && body.toString('utf8').trim() !== '') {
    const parsed = decodeBody(body, ctx.req.headers['content-type']);
    if (!isObject(parsed)) throw newBadRequest('DeleteOptions must be an object');
    Object.assign(opts, parsed);
  }
  const q = ctx.query;
  if (q.has('gracePeriodSeconds')) opts.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
  if (q.has('propagationPolicy')) opts.propagationPolicy = q.get('propagationPolicy') as DeleteOptions['propagationPolicy'];
  if (q.has('orphanDependents')) opts.orphanDependents = q.get('orphanDependents') === 'true';
  opts.dryRun = isDryRun(q) || (Array.isArray((opts as any).dryRun) && (opts as any).dryRun.includes('All'));
  const policy = opts.propagationPolicy;
  if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw newBadRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  if (opts.gracePeriodSeconds !== undefined) {
    if (!Number.isInteger(opts.gracePeriodSeconds)) throw newBadRequest(`invalid gracePeriodSeconds: ${opts.gracePeriodSeconds}`);
    // Upstream treats a negative grace period as the shortest real one.
    if (opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
  }
  return opts;
}

function finalizerFor(opts: DeleteOptions): string | undefined {
  if (opts.propagationPolicy === 'Foreground') return 'foregroundDeletion';
  if (opts.propagationPolicy === 'Orphan' || opts.orphanDependents === true) return 'orphan';
  return undefined;
}

/** The grace period a pod gets: none when it never reached a node or already finished. */
function podGrace(obj: any, opts: DeleteOptions): number {
  const requested = opts.gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
  if (!obj.spec?.nodeName) return 0;
  if (obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed') return 0;
  return requested;
}

/** Deletes one object; returns what to answer. Used by delete and deletecollection. */
export async function deleteOne(ctx: RequestContext, namespace: string, name: string, opts: DeleteOptions): Promise<{ obj: any; deleted: boolean }> {
  const store = ctx.store;
  const isPod = ctx.resource.group === '' && ctx.resource.kind === 'Pod';
  const isNamespace = ctx.resource.group === '' && ctx.resource.kind === 'Namespace';
  for (let attempt = 0; ; attempt++) {
    const kv = await store.getKv(namespace, name);
    const obj = ctx.store.decode(kv);
    const meta = obj.metadata;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw newConflict(store.qualified, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw newConflict(store.qualified, name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    }
    await ctx.services.admission.validate({
      operation: 'DELETE', resource: ctx.resource, subresource: '', namespace, name, object: undefined, oldObject: obj, user: ctx.user, dryRun: !!opts.dryRun,
    });
    const finalizers: string[] = [...(meta.finalizers ?? [])];
    const extra = finalizerFor(opts);
    if (extra && !finalizers.includes(extra) && !meta.deletionTimestamp) finalizers.push(extra);
    const grace = isPod ? podGrace(obj, opts) : 0;
    const nsPending = isNamespace && (obj.spec?.finalizers ?? []).length > 0;
    const graceful = grace > 0 && !(meta.deletionTimestamp && meta.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds <= grace);

    if (finalizers.length === 0 && !nsPending && grace === 0) {
      try {
        return { obj: await store.deleteNow(namespace, name, kv.modRevision, !!opts.dryRun), deleted: true };
      } catch (err) {
        if (attempt < 8 && (err as any)?.status?.reason === 'Conflict') continue;
        throw err;
      }
    }
    const now = ctx.services.now();
    if (!meta.deletionTimestamp || graceful) {
      meta.deletionTimestamp = new Date(now.getTime() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      meta.deletionGracePeriodSeconds = grace;
    }
    meta.finalizers = finalizers.length > 0 ? finalizers : undefined;
    if (meta.finalizers === undefined) delete meta.finalizers;
    if (isNamespace) obj.status = { ...(obj.status ?? {}), phase: 'Terminating' };
    try {
      return await store.writeUpdate(obj, kv.modRevision, !!opts.dryRun);
    } catch (err) {
      if (attempt < 8 && (err as any)?.status?.reason === 'Conflict') continue;
      throw err;
    }
  }
}

export async function handleDelete(ctx: RequestContext): Promise<void> {
  const opts = await readDeleteOptions(ctx);
  const { obj, deleted } = await deleteOne(ctx, ctx.info.namespace, ctx.info.name, opts);
  const returnsObject = !deleted || (ctx.resource.group === '' && (ctx.resource.kind === 'Pod' || ctx.resource.kind === 'Namespace'));
  if (returnsObject) {
    respondObject(ctx, 200, obj);
    return;
  }
  respondStatus(ctx, 200, { name: obj.metadata.name, group: ctx.resource.group || undefined, kind: ctx.resource.resource, uid: obj.metadata.uid });
}

export async function handleDeleteCollection(ctx: RequestContext): Promise<void> {
  const opts = await readDeleteOptions(ctx);
  const filter = compileFilter(ctx.resource, ctx.query.get('labelSelector'), ctx.query.get('fieldSelector'));
  await ctx.services.syncCache();
  const { items, revision } = ctx.store.listFromCache(ctx.info.namespace, filter);
  const out: any[] = [];
  for (const item of items) {
    try {
      const { obj } = await deleteOne(ctx, item.metadata.namespace ?? '', item.metadata.name, opts);
      out.push(obj);
    } catch (err) {
      if ((err as any)?.status?.code !== 404) throw err;
    }
  }
  respondList(ctx, out, { resourceVersion: String(revision) });
}
