// LimitRanger admission (upstream's plugin): on pod creation it fills the
// namespace's Container defaults (default limits, defaultRequest requests)
// into containers and init containers that lack them, and records what it
// set in the kubernetes.io/limit-ranger annotation; then it enforces min,
// max and maxLimitRequestRatio per Container and per Pod, and min/max
// storage per PersistentVolumeClaim, refusing with upstream's Forbidden
// messages. Writes of LimitRange objects themselves are validated here too.
import { newForbidden, newInvalid } from '../../machinery/errors.ts';
import { addQuantity, canonicalQuantity, cmpQuantity, formatQuantity, parseQuantity } from '../../machinery/quantity.ts';
import type { Quantity } from '../../machinery/quantity.ts';
import { RESOURCES } from '../../api/resources.ts';
import type { ResourceInfo } from '../../api/resources.ts';
import type { ResourceStore } from '../registry/store.ts';
import type { ObjectFilter } from '../registry/filter.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './index.ts';
import { MAX_MILLI, milliOf, validateLimitRange, valueOf } from './limit-range-validation.ts';

export { validateLimitRange };
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

export interface LimitRangeAccess {
  /** The LimitRanges of a namespace, as the watch cache holds them. */
  list(namespace: string): any[];
}

type List = Map<string, Quantity>;

function toList(m: unknown): List {
  const out: List = new Map();
  if (typeof m !== 'object' || m === null) return out;
  for (const [k, v] of Object.entries(m)) {
    try { out.set(k, parseQuantity(v as string)); } catch { /* validation has refused it already */ }
  }
  return out;
}

const sortedEntries = (m: unknown): [string, string][] => Object.entries((m ?? {}) as Record<string, string>).sort(([a], [b]) => a.localeCompare(b));
const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills one LimitRange's Container defaults into a pod and notes what it set in the annotation. */
export function applyDefaults(limitRange: any, pod: any): void {
  const defLimits: Record<string, string> = {};
  const defRequests: Record<string, string> = {};
  for (const item of limitRange.spec?.limits ?? []) {
    if (item?.type !== 'Container') continue;
    for (const [k, v] of sortedEntries(item.defaultRequest)) defRequests[k] = canonicalQuantity(v);
    for (const [k, v] of sortedEntries(item.default)) defLimits[k] = canonicalQuantity(v);
  }
  const notes: string[] = [];
  const merge = (c: any, kind: string) => {
    if (!isObj(c.resources)) c.resources = {};
    const set = (field: 'limits' | 'requests', defaults: Record<string, string>) => {
      const names: string[] = [];
      for (const [k, v] of Object.entries(defaults)) {
        if (!isObj(c.resources[field])) c.resources[field] = {};
        if (k in c.resources[field]) continue;
        c.resources[field][k] = v;
        names.push(k);
      }
      return names.sort();
    };
    const limits = set('limits', defLimits);
    const requests = set('requests', defRequests);
    if (requests.length > 0) notes.push(`${requests.join(', ')} request for ${kind} ${c.name}`);
    if (limits.length > 0) notes.push(`${limits.join(', ')} limit for ${kind} ${c.name}`);
  };
  for (const c of pod.spec?.containers ?? []) merge(c, 'container');
  for (const c of pod.spec?.initContainers ?? []) merge(c, 'init container');
  if (notes.length > 0) {
    pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  }
}

/** Request, limit and bound at one precision: milli-units unless that could overflow int64. */
function common(req: Quantity | undefined, lim: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const zero = { nanos: 0n, format: 'DecimalSI' } as const;
  const r = req ?? zero, l = lim ?? zero;
  if (valueOf(r) <= MAX_MILLI && valueOf(l) <= MAX_MILLI && valueOf(enforced) <= MAX_MILLI) return [milliOf(r), milliOf(l), milliOf(enforced)];
  return [valueOf(r), valueOf(l), valueOf(enforced)];
}

const str = formatQuantity;

function minConstraint(type: string, name: string, enforced: Quantity, requests: List, limits: List): string | null {
  const req = requests.get(name), lim = limits.get(name);
  const [r, l, e] = common(req, lim, enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${str(enforced)}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${str(enforced)}, but request is ${str(req)}`;
  if (lim && l < e) return `minimum ${name} usage per ${type} is ${str(enforced)}, but limit is ${str(lim)}`;
  return null;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: List, limits: List): string | null {
  const req = requests.get(name), lim = limits.get(name);
  const [r, l, e] = common(req, lim, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${str(enforced)}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${str(enforced)}, but limit is ${str(lim)}`;
  if (req && r > e) return `maximum ${name} usage per ${type} is ${str(enforced)}, but request is ${str(req)}`;
  return null;
}

/** A PVC's max applies to what it requests (its limits are not user input). */
function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: List): string | null {
  const req = requests.get(name);
  const [r, , e] = common(req, undefined, enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${str(enforced)}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${str(enforced)}, but request is ${str(req)}`;
  return null;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: List, limits: List): string | null {
  const req = requests.get(name), lim = limits.get(name);
  const [r, l] = common(req, lim, enforced);
  if (!req || r === 0n) return `${name} max limit to request ratio per ${type} is ${str(enforced)}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${name} max limit to request ratio per ${type} is ${str(enforced)}, but no limit is specified or limit is 0`;
  const observed = Number(l) / Number(r);
  const milli = valueOf(enforced) <= MAX_MILLI;
  if ((milli ? observed * 1000 : observed) > Number(milli ? milliOf(enforced) : valueOf(enforced))) {
    return `${name} max limit to request ratio per ${type} is ${str(enforced)}, but provided ratio is ${observed.toFixed(6)}`;
  }
  return null;
}

function addInto(into: List, from: List): void {
  for (const [k, v] of from) into.set(k, into.has(k) ? addQuantity(into.get(k)!, v) : v);
}
function maxInto(into: List, from: List): void {
  for (const [k, v] of from) if (!into.has(k) || cmpQuantity(v, into.get(k)!) > 0) into.set(k, v);
}

/** The pod's effective requests or limits: containers and sidecars summed, each init container on top of the sidecars before it. */
export function podTotals(pod: any, field: 'requests' | 'limits'): List {
  const total: List = new Map();
  for (const c of pod.spec?.containers ?? []) addInto(total, toList(c.resources?.[field]));
  const sidecars: List = new Map();
  const inits: List = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = toList(c.resources?.[field]);
    let effective: List;
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      effective = sidecars;
    } else {
      effective = new Map(own);
      addInto(effective, sidecars);
    }
    maxInto(inits, effective);
  }
  maxInto(total, inits);
  return total;
}

type Check = (type: string, name: string, enforced: Quantity, requests: List, limits: List) => string | null;
const CHECKS: [string, Check][] = [['min', minConstraint], ['max', maxConstraint], ['maxLimitRequestRatio', ratioConstraint]];

/** The constraint violations of one LimitRange for a pod, in upstream's order. */
export function podViolations(limitRange: any, pod: any): string[] {
  const out: string[] = [];
  const run = (item: any, requests: List, limits: List) => {
    for (const [part, fn] of CHECKS) {
      for (const [k, v] of toList(item[part])) {
        const msg = fn(item.type, k, v, requests, limits);
        if (msg) out.push(msg);
      }
    }
  };
  for (const item of limitRange.spec?.limits ?? []) {
    if (item?.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) run(item, toList(c.resources?.requests), toList(c.resources?.limits));
    } else if (item?.type === 'Pod') {
      run(item, podTotals(pod, 'requests'), podTotals(pod, 'limits'));
    }
  }
  return out;
}

export function pvcViolations(limitRange: any, pvc: any): string[] {
  const out: string[] = [];
  const requests = toList(pvc.spec?.resources?.requests);
  for (const item of limitRange.spec?.limits ?? []) {
    if (item?.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of toList(item.min)) { const m = minConstraint(item.type, k, v, requests, new Map()); if (m) out.push(m); }
    for (const [k, v] of toList(item.max)) { const m = maxRequestConstraint(item.type, k, v, requests); if (m) out.push(m); }
  }
  return out;
}

/** Upstream's error aggregate: duplicates dropped, brackets only around several. */
export function aggregate(msgs: string[]): string {
  const unique = [...new Set(msgs)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

const isCore = (a: AdmissionAttributes, resource: string) => a.resource.group === '' && a.resource.resource === resource && a.subresource === '';

export function limitRanger(access: LimitRangeAccess): AdmissionPlugin {
  // Pod updates are skipped: containers cannot change once created. Objects being deleted are left alone.
  const applies = (a: AdmissionAttributes) => (a.operation === 'CREATE' || a.operation === 'UPDATE') && !a.oldObject?.metadata?.deletionTimestamp &&
    ((isCore(a, 'pods') && a.operation === 'CREATE') || isCore(a, 'persistentvolumeclaims'));
  const ranges = (ns: string) => access.list(ns).slice().sort((x, y) => x.metadata.name.localeCompare(y.metadata.name));
  return {
    name: 'LimitRanger',
    admit(a) {
      if (!applies(a) || a.resource.resource !== 'pods') return;
      for (const lr of ranges(a.namespace)) applyDefaults(lr, a.object);
    },
    validate(a) {
      if (isCore(a, 'limitranges') && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
        const errs = validateLimitRange(a.object);
        if (errs.length > 0) throw newInvalid({ group: '', kind: 'LimitRange' }, a.object?.metadata?.name ?? a.name, errs);
        return;
      }
      if (!applies(a)) return;
      for (const lr of ranges(a.namespace)) {
        const msgs = a.resource.resource === 'pods' ? podViolations(lr, a.object) : pvcViolations(lr, a.object);
        if (msgs.length > 0) {
          throw newForbidden({ group: '', resource: a.resource.resource }, a.name || a.object?.metadata?.name || 'Unknown', aggregate(msgs));
        }
      }
    },
  };
}

/** The plugin over the apiserver's own stores: LimitRanges from the watch cache. */
export function limitRangerFor(storeFor: (info: ResourceInfo) => ResourceStore): AdmissionPlugin {
  const info = RESOURCES.find((r) => r.group === '' && r.resource === 'limitranges')!;
  const all: ObjectFilter = Object.assign(() => true, { matchesEverything: true });
  return limitRanger({ list: (ns) => storeFor(info).listFromCache(ns, all).items });
}
