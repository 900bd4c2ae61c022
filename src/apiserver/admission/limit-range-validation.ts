// Validation of LimitRange objects, as upstream's ValidateLimitRange: type
// and resource names, Pod items without defaults, PVC items with a storage
// bound, and the ordering min <= defaultRequest <= default <= max with the
// ratio within max/min. Run by the LimitRanger plugin on LimitRange writes.
import { QUANTITY_FORMAT_ERROR, cmpQuantity, formatQuantity, parseQuantity } from '../../machinery/quantity.ts';
import type { Quantity } from '../../machinery/quantity.ts';
import { qualifiedName } from '../../api/core/v1/checks.ts';
import type { FieldError } from '../../api/core/v1/errors.ts';

const invalid = (field: string, badValue: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, badValue, detail });
const STANDARD_LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory',
  'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'persistentvolumeclaims', 'configmaps',
  'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const isHugePages = (n: string) => n.startsWith('hugepages-') || n.startsWith('requests.hugepages-');
const isNative = (n: string) => !n.includes('/') || n.includes('kubernetes.io/');
// Resources that cannot be overcommitted: default and defaultRequest must agree.
const overcommitAllowed = (n: string) => isNative(n) && !isHugePages(n);

function resourceName(name: string, field: string): FieldError[] {
  const errs = qualifiedName(name).map((m) => invalid(field, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !STANDARD_RESOURCES.has(name) && !isHugePages(name)) {
    errs.push(invalid(field, name, 'must be a standard resource type or fully qualified'));
  }
  return errs;
}

function containerResourceName(name: string, field: string): FieldError[] {
  const errs = resourceName(name, field);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) errs.push(invalid(field, name, 'must be a standard resource for containers'));
  } else if (!isNative(name) && (name.startsWith('requests.') || qualifiedName(`requests.${name}`).length > 0)) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Parses a quantity map; unparseable values become errors and are left out. */
function quantities(m: unknown, field: string, errs: FieldError[]): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (typeof m !== 'object' || m === null) return out;
  for (const [k, v] of Object.entries(m)) {
    try {
      out.set(k, parseQuantity(v as string));
    } catch {
      errs.push(invalid(`${field}[${k}]`, v, QUANTITY_FORMAT_ERROR));
    }
  }
  return out;
}

/** The bigger of a quantity's milli-value and value, as upstream compares them: milli when nothing overflows int64 milli. */
const MAX_MILLI = (2n ** 63n - 1n) / 1000n;
const divUp = (n: bigint, d: bigint) => { const q = n / d; return q * d === n ? q : q + (n < 0n ? -1n : 1n); };
export const valueOf = (q: Quantity) => divUp(q.nanos, 1_000_000_000n);
export const milliOf = (q: Quantity) => divUp(q.nanos, 1_000_000n);
export { MAX_MILLI };

export function validateLimitRange(lr: any): FieldError[] {
  const errs: FieldError[] = [];
  const limits: any[] = Array.isArray(lr?.spec?.limits) ? lr.spec.limits : [];
  const seen = new Set<string>();
  limits.forEach((limit, i) => {
    const path = `spec.limits[${i}]`;
    const type = String(limit?.type ?? '');
    const typeErrs = qualifiedName(type).map((m) => invalid(`${path}.type`, type, m));
    if (typeErrs.length === 0 && !type.includes('/') && !STANDARD_LIMIT_TYPES.has(type)) {
      typeErrs.push(invalid(`${path}.type`, type, 'must be a standard limit type or fully qualified'));
    }
    errs.push(...typeErrs);
    if (seen.has(type)) errs.push({ type: 'FieldValueDuplicate', field: `${path}.type`, badValue: type });
    seen.add(type);

    const checkName = (k: string, field: string) => errs.push(...(type === 'Pod' || type === 'Container' ? containerResourceName(k, field) : resourceName(k, field)));
    const keys = new Set<string>();
    const read = (part: string) => {
      const m = quantities(limit?.[part], `${path}.${part}`, errs);
      for (const k of m.keys()) { checkName(k, `${path}.${part}[${k}]`); keys.add(k); }
      return m;
    };
    const max = read('max');
    const min = read('min');
    let def = new Map<string, Quantity>();
    let defReq = new Map<string, Quantity>();
    if (type === 'Pod') {
      if (Object.keys(limit?.default ?? {}).length > 0) errs.push({ type: 'FieldValueForbidden', field: `${path}.default`, detail: "may not be specified when `type` is 'Pod'" });
      if (Object.keys(limit?.defaultRequest ?? {}).length > 0) errs.push({ type: 'FieldValueForbidden', field: `${path}.defaultRequest`, detail: "may not be specified when `type` is 'Pod'" });
    } else {
      def = read('default');
      defReq = read('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && !min.has('storage') && !max.has('storage')) {
      errs.push({ type: 'FieldValueRequired', field: `${path}.limits`, badValue: '', detail: 'either minimum or maximum storage value is required, but neither was provided' });
    }
    const ratio = read('maxLimitRequestRatio');

    for (const k of [...keys].sort()) {
      const s = (q: Quantity) => formatQuantity(q);
      const mn = min.get(k), mx = max.get(k), d = def.get(k), dr = defReq.get(k), r = ratio.get(k);
      if (mn && mx && cmpQuantity(mn, mx) > 0) errs.push(invalid(`${path}.min[${k}]`, s(mn), `min value ${s(mn)} is greater than max value ${s(mx)}`));
      if (dr && mn && cmpQuantity(mn, dr) > 0) errs.push(invalid(`${path}.defaultRequest[${k}]`, s(dr), `min value ${s(mn)} is greater than default request value ${s(dr)}`));
      if (dr && mx && cmpQuantity(dr, mx) > 0) errs.push(invalid(`${path}.defaultRequest[${k}]`, s(dr), `default request value ${s(dr)} is greater than max value ${s(mx)}`));
      if (dr && d && cmpQuantity(dr, d) > 0) errs.push(invalid(`${path}.defaultRequest[${k}]`, s(dr), `default request value ${s(dr)} is greater than default limit value ${s(d)}`));
      // Upstream reports these two with min and max as the bad value.
      if (d && mn && cmpQuantity(mn, d) > 0) errs.push(invalid(`${path}.default[${k}]`, s(mn), `min value ${s(mn)} is greater than default value ${s(d)}`));
      if (d && mx && cmpQuantity(d, mx) > 0) errs.push(invalid(`${path}.default[${k}]`, s(mx), `default value ${s(d)} is greater than max value ${s(mx)}`));
      if (r && r.nanos < 1_000_000_000n) errs.push(invalid(`${path}.maxLimitRequestRatio[${k}]`, s(r), `ratio ${s(r)} is less than 1`));
      if (r && mn && mx) {
        const milli = valueOf(r) < MAX_MILLI && valueOf(mn) < MAX_MILLI && valueOf(mx) < MAX_MILLI;
        const ratioValue = milli ? Number(milliOf(r)) / 1000 : Number(valueOf(r));
        const bound = milli ? Number(milliOf(mx)) / Number(milliOf(mn)) : Number(valueOf(mx)) / Number(valueOf(mn));
        if (ratioValue > bound) errs.push(invalid(`${path}.maxLimitRequestRatio[${k}]`, s(r), `ratio ${s(r)} is greater than max/min = ${bound.toFixed(6)}`));
      }
      if (!overcommitAllowed(k) && d && dr && cmpQuantity(d, dr) !== 0) {
        errs.push(invalid(`${path}.defaultRequest[${k}]`, s(dr), `default value ${s(d)} must equal to defaultRequest value ${s(dr)} in ${k}`));
      }
    }
  });
  return errs;
}
