// Pod facts that the Endpoints and EndpointSlice controllers share, as
// upstream's endpointutil/podutil define them: which pods a Service selects,
// which of them belong in its endpoints, which IP of a family a pod has, and
// which container port a service port's targetPort names.
import { isPodReady } from '../util/pods.ts';
import type { Indexer } from '../../client/informer.ts';

export { isPodReady };

type Matcher = (labels: Record<string, string>) => boolean;
// Cached objects are replaced, never changed, on update: a Service object's matcher can be reused.
const matchers = new WeakMap<object, Matcher | null>();

/** A Service's selector as a label predicate; null when it has none (no managed endpoints). */
export function serviceSelector(svc: any): Matcher | null {
  if (svc && typeof svc === 'object' && matchers.has(svc)) return matchers.get(svc)!;
  const sel = svc?.spec?.selector;
  let m: Matcher | null = null;
  // Go drops an empty map on the wire, so {} and a missing selector are the same thing.
  if (sel && typeof sel === 'object' && Object.keys(sel).length > 0) {
    const entries = Object.entries(sel as Record<string, string>);
    m = (labels) => entries.every(([k, v]) => labels?.[k] === v);
  }
  if (svc && typeof svc === 'object') matchers.set(svc, m);
  return m;
}

const pairKey = (namespace: string, k: string, v: string) => `${namespace}\u0000${k}\u0000${v}`;

/** Index of pods by each of their labels (namespace, key and value), so a Service finds its pods without scanning its namespace. */
export const byLabelPair: Indexer = (o) => {
  const ns = o?.metadata?.namespace ?? '';
  return Object.entries(o?.metadata?.labels ?? {}).map(([k, v]) => pairKey(ns, k, String(v)));
};

/**
 * Index of Services by the first pair of their selector: every pod a Service
 * selects carries that label, so a pod's own labels name the only Services
 * that can select it.
 */
export const bySelectorPair: Indexer = (svc) => {
  const sel = svc?.spec?.selector;
  if (!sel || typeof sel !== 'object') return [];
  const first = Object.entries(sel as Record<string, string>)[0];
  return first ? [pairKey(svc.metadata?.namespace ?? '', first[0], String(first[1]))] : [];
};

/** Keys of the Services (from a cache with a `selector` index of bySelectorPair) that select the pod. */
export function servicesSelecting(services: { byIndex(index: string, value: string): any[] }, pod: any): string[] {
  const ns = pod.metadata.namespace;
  const labels = pod.metadata.labels ?? {};
  const keys = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    for (const svc of services.byIndex('selector', pairKey(ns, k, String(v)))) {
      if (serviceSelector(svc)?.(labels)) keys.add(`${ns}/${svc.metadata.name}`);
    }
  }
  return [...keys];
}

/**
 * Upstream's podEndpointsChanged: whether an update can change the pod's
 * endpoint (deletion, readiness, IPs; here also the phase, which decides
 * whether a finished pod stays listed) and whether it can change which
 * Services select it (labels, hostname, subdomain). Binding to a node
 * changes neither: a pod has no IP before it runs.
 */
export function podEndpointsChanged(old: any, pod: any): { podChanged: boolean; labelsChanged: boolean } {
  const labelsChanged = !sameStrings(old.metadata?.labels, pod.metadata?.labels)
    || old.spec?.hostname !== pod.spec?.hostname || old.spec?.subdomain !== pod.spec?.subdomain;
  const ips = (p: any) => (p.status?.podIPs ?? []).map((x: any) => x.ip).join(',') || (p.status?.podIP ?? '');
  const podChanged = old.metadata?.deletionTimestamp !== pod.metadata?.deletionTimestamp
    || isPodReady(old) !== isPodReady(pod) || ips(old) !== ips(pod) || old.status?.phase !== pod.status?.phase;
  return { podChanged, labelsChanged };
}

function sameStrings(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}

/**
 * Upstream's GetServicesToUpdateOnPodChange: nothing for an update that
 * changes neither; with only the labels changed, the Services that gained
 * or lost the pod; otherwise every Service of the old or new pod.
 */
export function servicesToUpdateOnPodChange(services: { byIndex(index: string, value: string): any[] }, old: any, pod: any): string[] {
  if (old.metadata?.resourceVersion !== undefined && old.metadata.resourceVersion === pod.metadata?.resourceVersion) return [];
  const { podChanged, labelsChanged } = podEndpointsChanged(old, pod);
  if (!podChanged && !labelsChanged) return [];
  const now = servicesSelecting(services, pod);
  if (!labelsChanged) return now;
  const before = servicesSelecting(services, old);
  if (podChanged) return [...new Set([...now, ...before])];
  return [...now.filter((k) => !before.includes(k)), ...before.filter((k) => !now.includes(k))];
}

/** The pods a Service selects, from a pod cache with a `label` index of byLabelPair (the same pods, in the same order, as filtering its namespace). */
export function selectedPods(pods: { byIndex(index: string, value: string): any[] }, svc: any): any[] {
  const matches = serviceSelector(svc);
  const sel = svc?.spec?.selector;
  if (!matches) return [];
  const [k, v] = Object.entries(sel as Record<string, string>)[0]!;
  return pods.byIndex('label', pairKey(svc.metadata.namespace, k, String(v))).filter((p) => matches(p.metadata.labels ?? {}));
}

/** ShouldPodBeInEndpoints: has an IP, is not terminating (unless included), and can still run. */
export function shouldPodBeInEndpoints(pod: any, includeTerminating: boolean): boolean {
  if (!pod?.status?.podIP && !(pod?.status?.podIPs ?? []).length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  switch (pod.spec?.restartPolicy) {
    case 'Never': return phase !== 'Failed' && phase !== 'Succeeded';
    case 'OnFailure': return phase !== 'Succeeded';
    default: return true;
  }
}

export type AddressType = 'IPv4' | 'IPv6';

export function familyOf(ip: string): AddressType {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** The pod's IPs of one family (podIPs, falling back to podIP). */
export function podIPsOf(pod: any, family: AddressType): string[] {
  const ips: string[] = (pod?.status?.podIPs ?? []).map((p: any) => p?.ip).filter(Boolean);
  if (ips.length === 0 && pod?.status?.podIP) ips.push(pod.status.podIP);
  return ips.filter((ip) => familyOf(ip) === family);
}

/** The address families a Service's endpoints use. */
export function addressTypesOf(svc: any): AddressType[] {
  const fams: string[] = svc?.spec?.ipFamilies ?? [];
  const out = fams.filter((f) => f === 'IPv4' || f === 'IPv6') as AddressType[];
  if (out.length) return out;
  const ip: string | undefined = svc?.spec?.clusterIP;
  return ip && ip !== 'None' ? [familyOf(ip)] : ['IPv4'];
}

/** A pod's hostname is published only when its subdomain is this Service. */
export function hostnameFor(pod: any, svc: any): string | undefined {
  const h = pod?.spec?.hostname;
  return h && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace ? h : undefined;
}

/**
 * FindPort: a numeric targetPort is used as is; a named one is the
 * containerPort of that name and the service port's protocol, looked up in
 * the containers and then in the restartable (sidecar) init containers.
 */
export function findPort(pod: any, svcPort: any): number | undefined {
  const target = svcPort?.targetPort ?? svcPort?.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const proto = svcPort?.protocol ?? 'TCP';
  const sidecars = (pod?.spec?.initContainers ?? []).filter((c: any) => c?.restartPolicy === 'Always');
  for (const c of [...(pod?.spec?.containers ?? []), ...sidecars]) {
    for (const p of c?.ports ?? []) {
      if (p?.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
    }
  }
  return undefined;
}

export function isHeadless(svc: any): boolean {
  return svc?.spec?.clusterIP === 'None';
}

/** RFC 3339 with nanoseconds and trailing zeros trimmed, as Go's time.RFC3339Nano prints. */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.?0*Z$/, 'Z');
}
