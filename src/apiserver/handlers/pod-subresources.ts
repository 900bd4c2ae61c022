// pods/binding (how the scheduler assigns a node) and pods/eviction (a
// delete that respects disruption budgets).
import { newBadRequest, newConflict } from '../../machinery/errors.ts';
import type { RequestContext } from './context.ts';
import { isDryRun, respondStatus } from './context.ts';
import { decodeBody, isObject, readBody } from '../codec.ts';
import { deleteOne } from './delete.ts';

export async function handleBinding(ctx: RequestContext): Promise<void> {
  const body = decodeBody(await readBody(ctx.req), ctx.req.headers['content-type']);
  if (!isObject(body) || !isObject(body.target)) throw newBadRequest('a Binding needs a target');
  const nodeName = body.target.name;
  if (!nodeName) throw newBadRequest('target.name: Required value');
  const { namespace, name } = ctx.info;
  const dryRun = isDryRun(ctx.query);
  await ctx.store.guaranteedUpdate(namespace, name, (pod) => {
    if (pod.metadata.deletionTimestamp) throw newConflict(ctx.store.qualified, name, 'pod is being deleted, cannot be assigned to a host');
    if (pod.spec?.nodeName) throw newConflict(ctx.store.qualified, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    const next = structuredClone(pod);
    next.spec.nodeName = nodeName;
    const ann = body.metadata?.annotations;
    if (ann) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...ann };
    const conds: any[] = next.status?.conditions ?? [];
    const now = ctx.services.now().toISOString().replace(/\.\d+Z$/, 'Z');
    const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now };
    next.status = { ...(next.status ?? {}), conditions: [...conds.filter((c) => c.type !== 'PodScheduled'), scheduled] };
    return next;
  }, dryRun);
  respondStatus(ctx, 201, {});
}

export async function handleEviction(ctx: RequestContext): Promise<void> {
  const body = decodeBody(await readBody(ctx.req), ctx.req.headers['content-type']);
  const opts = isObject(body) && isObject(body.deleteOptions) ? body.deleteOptions : {};
  const podsCtx = { ...ctx, info: { ...ctx.info, subresource: '' } };
  await deleteOne(podsCtx, ctx.info.namespace, ctx.info.name, { ...opts, dryRun: isDryRun(ctx.query) });
  respondStatus(ctx, 201, {});
}
