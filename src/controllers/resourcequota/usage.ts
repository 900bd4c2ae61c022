// Quota usage with upstream's evaluators: what one object charges against a
// ResourceQuota (object counts, pod compute resources, service ports), which
// quotas' scopes match a pod, and the pod constraints (a quota on cpu or
// memory needs every container to state it). Pure: no I/O, no node:*.
import { addQuantity, cmpQuantity, formatQuantity, parseQuantity } from '../../machinery/quantity.ts';
import type { Quantity } from '../../machinery/quantity.ts';

export type Usage = Record<string, Quantity>;

// The names upstream counted before count/<resource> existed.
const LEGACY_COUNT: Record<string, string> = {
  pods: 'pods', services: 'services', configmaps: 'configmaps', secrets: 'secrets',
  replicationcontrollers: 'replicationcontrollers', resourcequotas: 'resourcequotas', persistentvolumeclaims: 'persistentvolumeclaims',
};
const COMPUTE = ['cpu', 'memory'];
/** The resource names that make the pod evaluator demand explicit requests/limits. */
export const POD_CONSTRAINED = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

const one = (): Quantity => parseQuantity('1');
const q = (v: unknown): Quantity | undefined => {
  if (v === undefined || v === null) return undefined;
  try { return parseQuantity(v as string); } catch { return undefined; }
};

export function countName(group: string, resource: string): string {
  return group === '' ? `count/${resource}` : `count/${resource}.${group}`;
}

/** The group/resource a quota's hard name is counted from, if it is countable. */
export function resourceOfName(name: string): { group: string; resource: string } | undefined {
  if (LEGACY_COUNT[name]) return { group: '', resource: name };
  if (name === 'services.nodeports' || name === 'services.loadbalancers') return { group: '', resource: 'services' };
  if (name === 'requests.storage') return { group: '', resource: 'persistentvolumeclaims' };
  if (POD_CONSTRAINED.has(name) || name === 'requests.ephemeral-storage' || name === 'limits.ephemeral-storage') return { group: '', resource: 'pods' };
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  return undefined;
}

/** Upstream's QuotaV1Pod: a pod that is done, or past its deletion deadline, no longer charges compute. */
export function isTerminalPod(pod: any, now: Date): boolean {
  const phase = pod?.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  const del = pod?.metadata?.deletionTimestamp;
  return !!del && Date.parse(del) < now.getTime();
}

function add(u: Usage, name: string, v: Quantity): void {
  u[name] = u[name] ? addQuantity(u[name]!, v) : v;
}

/** A container's requests (limits stand in for missing requests, as defaulting does). */
function containerResources(c: any): { requests: Record<string, Quantity>; limits: Record<string, Quantity> } {
  const requests: Record<string, Quantity> = {};
  const limits: Record<string, Quantity> = {};
  for (const [k, v] of Object.entries(c?.resources?.limits ?? {})) { const x = q(v); if (x) limits[k] = x; }
  for (const [k, v] of Object.entries(c?.resources?.requests ?? {})) { const x = q(v); if (x) requests[k] = x; }
  for (const k of Object.keys(limits)) if (!requests[k]) requests[k] = limits[k]!;
  return { requests, limits };
}

/** The pod's effective compute: the sum of its containers, at least its largest init container, plus overhead. */
function podCompute(pod: any): Usage {
  const u: Usage = {};
  const charge = (c: any, into: Usage) => {
    const { requests, limits } = containerResources(c);
    for (const r of [...COMPUTE, 'ephemeral-storage']) {
      if (requests[r]) add(into, `requests.${r}`, requests[r]!);
      if (limits[r]) add(into, `limits.${r}`, limits[r]!);
    }
  };
  for (const c of pod?.spec?.containers ?? []) charge(c, u);
  for (const c of pod?.spec?.initContainers ?? []) {
    const one: Usage = {};
    charge(c, one);
    for (const [k, v] of Object.entries(one)) if (!u[k] || cmpQuantity(v, u[k]!) > 0) u[k] = v;
  }
  for (const [k, v] of Object.entries(pod?.spec?.overhead ?? {})) {
    const x = q(v);
    if (!x) continue;
    for (const p of ['requests', 'limits']) if (u[`${p}.${k}`]) add(u, `${p}.${k}`, x);
  }
  for (const r of COMPUTE) if (u[`requests.${r}`]) u[r] = u[`requests.${r}`]!;
  return u;
}

/** What one object charges; undefined when it charges nothing (a terminal pod). */
export function usageOf(group: string, resource: string, obj: any, now: Date): Usage | undefined {
  const u: Usage = { [countName(group, resource)]: one() };
  if (group === '' && LEGACY_COUNT[resource]) u[LEGACY_COUNT[resource]!] = one();
  if (group === '' && resource === 'pods') {
    if (isTerminalPod(obj, now)) return undefined;
    Object.assign(u, podCompute(obj));
  }
  if (group === '' && resource === 'services') {
    const type = obj?.spec?.type ?? 'ClusterIP';
    const ports = (obj?.spec?.ports ?? []).length;
    if (type === 'LoadBalancer') u['services.loadbalancers'] = one();
    const nodePorts = type === 'NodePort' || (type === 'LoadBalancer' && obj?.spec?.allocateLoadBalancerNodePorts !== false) ? ports : 0;
    u['services.nodeports'] = parseQuantity(String(nodePorts));
  }
  if (group === '' && resource === 'persistentvolumeclaims') {
    const s = q(obj?.spec?.resources?.requests?.storage);
    if (s) u['requests.storage'] = s;
  }
  return u;
}

/** BestEffort in upstream's QoS sense: no container asks for or limits anything. */
function isBestEffort(pod: any): boolean {
  const all = [...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? [])];
  return all.every((c) => Object.keys(c?.resources?.requests ?? {}).length === 0 && Object.keys(c?.resources?.limits ?? {}).length === 0);
}

/** Whether the quota's scopes select the object; scopes only ever select pods. */
export function matchesScopes(quota: any, group: string, resource: string, obj: any): boolean {
  const scopes: string[] = quota?.spec?.scopes ?? [];
  if (scopes.length === 0) return true;
  if (group !== '' || resource !== 'pods') return false;
  return scopes.every((s) => {
    switch (s) {
      case 'Terminating': return obj?.spec?.activeDeadlineSeconds != null;
      case 'NotTerminating': return obj?.spec?.activeDeadlineSeconds == null;
      case 'BestEffort': return isBestEffort(obj);
      case 'NotBestEffort': return !isBestEffort(obj);
      default: return false;
    }
  });
}

/** The names a scoped quota may track: BestEffort quotas count pods only. */
function scopeAllows(quota: any, name: string): boolean {
  const scopes: string[] = quota?.spec?.scopes ?? [];
  if (scopes.includes('BestEffort')) return name === 'pods' || name === 'count/pods';
  return true;
}

/** The usage restricted to the names the quota's hard set constrains. */
export function mask(quota: any, u: Usage): Usage {
  const out: Usage = {};
  for (const name of Object.keys(quota?.spec?.hard ?? {})) if (u[name] && scopeAllows(quota, name)) out[name] = u[name]!;
  return out;
}

/**
 * Upstream's pod Constraints: a quota on cpu/memory (requests or limits)
 * rejects a pod whose containers do not all state that resource.
 */
export function podConstraintError(quota: any, pod: any): string | undefined {
  const required = Object.keys(quota?.spec?.hard ?? {}).filter((n) => POD_CONSTRAINED.has(n) && scopeAllows(quota, n));
  if (required.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? [])]) {
    const { requests, limits } = containerResources(c);
    const has = new Set<string>();
    for (const r of COMPUTE) {
      if (requests[r]) { has.add(r); has.add(`requests.${r}`); }
      if (limits[r]) has.add(`limits.${r}`);
    }
    for (const r of required) if (!has.has(r)) (missing.get(r) ?? missing.set(r, new Set()).get(r)!).add(c.name);
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

/** Sums usages, with a zero for every hard name so status.used lists them all (as upstream). */
export function sumUsage(quota: any, usages: Usage[]): Record<string, string> {
  const total: Usage = {};
  for (const name of Object.keys(quota?.spec?.hard ?? {})) total[name] = parseQuantity('0');
  for (const u of usages) for (const [k, v] of Object.entries(mask(quota, u))) total[k] = addQuantity(total[k]!, v);
  return Object.fromEntries(Object.entries(total).map(([k, v]) => [k, formatQuantity(v)]));
}

/** Upstream's prettyPrint: sorted name=value pairs joined by commas. */
export function prettyPrint(u: Record<string, Quantity>): string {
  return Object.keys(u).sort().map((k) => `${k}=${formatQuantity(u[k]!)}`).join(',');
}
