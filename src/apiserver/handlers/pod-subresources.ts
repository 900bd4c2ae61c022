// pods/binding (how the scheduler assigns a node) and pods/eviction (a
// delete that respects disruption budgets).
import { newBadRequest, newConflict, newForbidden, newInternalError, newTooManyRequests } from '../../machinery/errors.ts';
import type { StatusError } from '../../machinery/errors.ts';
import { RESOURCES } from '../../api/resources.ts';
import { selectorIsEmpty, selectorMatches } from '../../api/core/v1/selector.ts';
import { isConflictError } from '../registry/store.ts';
import type { RequestContext } from './context.ts';
import { isDryRun, respondStatus } from './context.ts';
import { decodeBody, isObject, readBody } from '../codec.ts';
import { deleteOne } from './delete.ts';
import { deepCopy } from '../../machinery/clone.ts';
import { secondsTimestamp } from '../../machinery/time.ts';

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
    // The pod is this attempt's own copy.
    const next = pod;
    next.spec.nodeName = nodeName;
    const ann = body.metadata?.annotations;
    if (ann) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...ann };
    const conds: any[] = next.status?.conditions ?? [];
    const now = secondsTimestamp(ctx.services.now());
    const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now };
    next.status = { ...(next.status ?? {}), conditions: [...conds.filter((c) => c.type !== 'PodScheduled'), scheduled] };
    return next;
  }, dryRun);
  respondStatus(ctx, 201, {});
}

const PDBS = RESOURCES.find((r) => r.group === 'policy' && r.resource === 'poddisruptionbudgets')!;
const PDB_GR = { group: 'policy', resource: 'poddisruptionbudget' };
// Upstream refuses evictions once this many are unconfirmed by the disruption controller.
const MAX_DISRUPTED_PODS = 2000;

function isReady(pod: any): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/** Upstream's canIgnorePDB: pods already going, finished or never started cost no disruption. */
function canIgnorePDB(pod: any): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
}

async function budgetsFor(ctx: RequestContext, pod: any): Promise<any[]> {
  const { items } = await ctx.services.storeFor(PDBS).listFromStorage(pod.metadata.namespace, { filter: Object.assign(() => true, { matchesEverything: true }) });
  // As upstream's eviction: a nil or empty selector matches nothing here.
  return items.filter((pdb) => pdb.spec?.selector && !selectorIsEmpty(pdb.spec.selector) && selectorMatches(pdb.spec.selector, pod.metadata.labels ?? {}));
}

function violation(pdb: any): StatusError {
  const err = newTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 0);
  err.status.details!.causes = [{
    reason: 'DisruptionBudget',
    message: `The disruption budget ${pdb.metadata.name} needs ${pdb.status?.desiredHealthy ?? 0} healthy pods and has ${pdb.status?.currentHealthy ?? 0} currently`,
  }];
  return err;
}

/** Takes one disruption from the budget (upstream's checkAndDecrement); throws when none is left. */
function decrement(pdb: any, podName: string, now: Date): any {
  const status = pdb.status ?? {};
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
    throw newTooManyRequests(`Cannot evict pod as it would violate the pod's disruption budget. The disruption budget ${pdb.metadata.name} is still being processed by the server.`, 10);
  }
  const allowed = status.disruptionsAllowed ?? 0;
  if (allowed < 0) throw newForbidden(PDB_GR, pdb.metadata.name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
    throw newForbidden(PDB_GR, pdb.metadata.name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (allowed === 0) throw violation(pdb);
  const next = deepCopy(pdb);
  next.status = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...(status.disruptedPods ?? {}), [podName]: now.toISOString().replace(/\.\d+Z$/, 'Z') } };
  if (allowed - 1 === 0) {
    next.status.conditions = (status.conditions ?? []).map((c: any) => c.type !== 'DisruptionAllowed' || c.status === 'False' ? c
      : { ...c, status: 'False', reason: 'InsufficientPods', message: '', lastTransitionTime: next.status.disruptedPods[podName] });
  }
  return next;
}

export async function handleEviction(ctx: RequestContext): Promise<void> {
  const body = decodeBody(await readBody(ctx.req), ctx.req.headers['content-type']);
  const { namespace, name } = ctx.info;
  if (isObject(body) && isObject(body.metadata) && body.metadata.name && body.metadata.name !== name) {
    throw newBadRequest('name in URL does not match name in Eviction object');
  }
  const opts: any = isObject(body) && isObject(body.deleteOptions) ? { ...body.deleteOptions } : {};
  const dryRun = isDryRun(ctx.query);
  const podsCtx = { ...ctx, info: { ...ctx.info, subresource: '' } };
  const pdbStore = ctx.services.storeFor(PDBS);
  for (let attempt = 0; ; attempt++) {
    const pod = await ctx.store.get(namespace, name);
    let preconditioned = false;
    if (!canIgnorePDB(pod)) {
      const pdbs = await budgetsFor(ctx, pod);
      if (pdbs.length > 1) throw newInternalError(new Error('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'));
      const pdb = pdbs[0];
      if (pdb) {
        const policy = pdb.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
        const st = pdb.status ?? {};
        const unhealthyGoes = !isReady(pod) && (policy === 'AlwaysAllow' || ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0));
        if (unhealthyGoes) {
          // The pod must still be the unhealthy one we judged when it is deleted.
          preconditioned = true;
        } else {
          const next = decrement(pdb, name, ctx.services.now());
          try {
            await pdbStore.writeUpdate(next, Number(pdb.metadata.resourceVersion), dryRun);
          } catch (err) {
            if (attempt < 8 && isConflictError(err)) continue;
            throw err;
          }
        }
      }
    }
    const ownPrecondition = preconditioned && !opts.preconditions?.resourceVersion;
    const preconditions = ownPrecondition ? { ...(opts.preconditions ?? {}), resourceVersion: pod.metadata.resourceVersion } : opts.preconditions;
    try {
      await deleteOne(podsCtx, namespace, name, { ...opts, ...(preconditions ? { preconditions } : {}), dryRun });
    } catch (err) {
      // The unhealthy pod changed after we judged it: judge it again.
      if (ownPrecondition && attempt < 8 && isConflictError(err)) continue;
      throw err;
    }
    respondStatus(ctx, 201, {});
    return;
  }
}
