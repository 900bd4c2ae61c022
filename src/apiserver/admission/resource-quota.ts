// ResourceQuota admission: a create in a namespace with quotas is checked
// against each matching quota's hard limits and, when it fits, charged to
// status.used at once (a revision-checked write, retried on conflict), so
// two quick creates cannot both slip under the limit. The quota controller
// later recomputes usage from what is really stored.
import { newForbidden } from '../../machinery/errors.ts';
import { addQuantity, cmpQuantity, formatQuantity, parseQuantity } from '../../machinery/quantity.ts';
import type { Quantity } from '../../machinery/quantity.ts';
import { mask, matchesScopes, podConstraintError, prettyPrint, usageOf } from '../../controllers/resourcequota/usage.ts';
import type { Usage } from '../../controllers/resourcequota/usage.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './index.ts';
import { RESOURCES } from '../../api/resources.ts';
import type { ResourceInfo } from '../../api/resources.ts';
import type { ResourceStore } from '../registry/store.ts';
import type { ObjectFilter } from '../registry/filter.ts';
import { deepCopy } from '../../machinery/clone.ts';

export interface QuotaAccess {
  /** The quotas of a namespace, as the watch cache holds them. */
  list(namespace: string): any[];
  /** Read-modify-write of one quota with a revision precondition, retried on conflict. */
  update(namespace: string, name: string, mutate: (current: any) => any): Promise<unknown>;
}

const parseAll = (m: Record<string, unknown> | undefined): Usage => {
  const out: Usage = {};
  for (const [k, v] of Object.entries(m ?? {})) { try { out[k] = parseQuantity(v as string); } catch { /* a bad value never matches */ } }
  return out;
};

/** Throws upstream's Forbidden when the delta does not fit the quota as it stands. */
function check(a: AdmissionAttributes, quota: any, delta: Usage): Usage {
  const forbid = (why: string) => newForbidden({ group: a.resource.group, resource: a.resource.resource }, a.object?.metadata?.name ?? a.name, why);
  const hard = parseAll(quota.spec?.hard);
  const used = parseAll(quota.status?.used);
  const unknown = Object.keys(delta).filter((k) => !used[k]).sort();
  if (unknown.length > 0) throw forbid(`status unknown for quota: ${quota.metadata.name}, resources: ${unknown.join(',')}`);
  const next: Usage = { ...used };
  const failed: string[] = [];
  for (const [k, v] of Object.entries(delta)) {
    next[k] = addQuantity(used[k]!, v);
    if (hard[k] && cmpQuantity(next[k]!, hard[k]!) > 0) failed.push(k);
  }
  if (failed.length > 0) {
    const pick = (u: Usage) => Object.fromEntries(failed.map((k) => [k, u[k]!])) as Record<string, Quantity>;
    throw forbid(`exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(pick(delta))}, used: ${prettyPrint(pick(used))}, limited: ${prettyPrint(pick(hard))}`);
  }
  return next;
}

export function resourceQuota(access: QuotaAccess, now: () => Date = () => new Date()): AdmissionPlugin {
  return {
    name: 'ResourceQuota',
    async validate(a) {
      if (a.operation !== 'CREATE' || a.subresource !== '' || !a.resource.namespaced) return;
      const quotas = access.list(a.namespace);
      if (quotas.length === 0) return;
      const { group, resource } = a.resource;
      const usage = usageOf(group, resource, a.object, now());
      if (!usage) return;
      const charges: { quota: any; delta: Usage }[] = [];
      for (const quota of quotas.slice().sort((x, y) => x.metadata.name.localeCompare(y.metadata.name))) {
        if (!matchesScopes(quota, group, resource, a.object)) continue;
        if (group === '' && resource === 'pods') {
          const why = podConstraintError(quota, a.object);
          if (why) throw newForbidden({ group, resource }, a.object?.metadata?.name ?? a.name, `failed quota: ${quota.metadata.name}: ${why}`);
        }
        const delta = mask(quota, usage);
        if (Object.keys(delta).length === 0) continue;
        check(a, quota, delta);
        charges.push({ quota, delta });
      }
      if (a.dryRun) return;
      for (const { quota, delta } of charges) {
        // Re-checked against the stored quota: another create may have charged it since the cache was read.
        await access.update(a.namespace, quota.metadata.name, (current) => {
          const next = deepCopy(current);
          const used = check(a, next, delta);
          next.status = { ...(next.status ?? {}), used: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, formatQuantity(v)])) };
          return next;
        });
      }
    },
  };
}

/** The plugin over the apiserver's own stores: quotas from the watch cache, charges with guaranteedUpdate. */
export function resourceQuotaFor(storeFor: (info: ResourceInfo) => ResourceStore): AdmissionPlugin {
  const info = RESOURCES.find((r) => r.group === '' && r.resource === 'resourcequotas')!;
  const all: ObjectFilter = Object.assign(() => true, { matchesEverything: true });
  return resourceQuota({
    list: (ns) => storeFor(info).listFromCache(ns, all).items,
    update: (ns, name, mutate) => storeFor(info).guaranteedUpdate(ns, name, mutate),
  });
}
