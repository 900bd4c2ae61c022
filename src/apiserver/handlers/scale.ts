// The scale subresource (autoscaling/v1 Scale) of deployments, replica
// sets, stateful sets and replication controllers: what `kubectl scale`
// and the autoscaler read and write.
import { newBadRequest, newConflict, newMethodNotSupported } from '../../machinery/errors.ts';
import { applyPatch } from '../../machinery/patch/index.ts';
import { formatLabelSelector } from '../../machinery/labels.ts';
import { decodeBody, isObject, mediaType, readBody } from '../codec.ts';
import type { RequestContext } from './context.ts';
import { isDryRun, respondObject } from './context.ts';
import { admitAndValidate } from './write.ts';
import { deepCopy } from '../../machinery/clone.ts';

function selectorOf(obj: any): string {
  const sel = obj.spec?.selector;
  if (!sel) return '';
  if (obj.kind === 'ReplicationController') {
    return Object.keys(sel).sort().map((k) => `${k}=${sel[k]}`).join(',');
  }
  return formatLabelSelector(sel);
}

export function scaleOf(obj: any): any {
  const m = obj.metadata;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorOf(obj) },
  };
}

export async function handleScale(ctx: RequestContext): Promise<void> {
  const { namespace, name, verb } = ctx.info;
  if (verb === 'get') return respondObject(ctx, 200, scaleOf(await ctx.store.get(namespace, name)));
  if (verb !== 'update' && verb !== 'patch') throw newMethodNotSupported(ctx.store.qualified, verb);
  const body = await readBody(ctx.req);
  const type = mediaType(ctx.req.headers['content-type']);
  const dryRun = isDryRun(ctx.query);
  const parsed = decodeBody(body, ctx.req.headers['content-type']);
  const saved = { ...ctx.info };
  const { obj } = await ctx.store.guaranteedUpdate(namespace, name, async (current) => {
    const scale = scaleOf(current);
    let next: any;
    if (verb === 'update') next = parsed;
    else {
      const patchType = type === 'application/apply-patch+yaml' ? 'application/merge-patch+json' : type;
      next = applyPatch(patchType, scale, parsed, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    }
    if (!isObject(next) || !isObject(next.spec)) throw newBadRequest('the Scale object must have a spec');
    const wanted = next.metadata?.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) {
      throw newConflict(ctx.store.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const replicas = next.spec.replicas;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw newBadRequest(`spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
    }
    const updated = deepCopy(current);
    updated.spec = { ...(updated.spec ?? {}), replicas };
    ctx.store.prepareUpdate(updated, current, '');
    ctx.info.subresource = '';
    try {
      await admitAndValidate(ctx, 'UPDATE', updated, current, dryRun);
    } finally {
      Object.assign(ctx.info, saved);
    }
    return updated;
  }, dryRun);
  respondObject(ctx, 200, scaleOf(obj));
}
