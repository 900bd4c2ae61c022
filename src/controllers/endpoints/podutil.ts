// Pod facts that the Endpoints and EndpointSlice controllers share, as
// upstream's endpointutil/podutil define them: which pods a Service selects,
// which of them belong in its endpoints, which IP of a family a pod has, and
// which container port a service port's targetPort names.
import { isPodReady } from '../util/pods.ts';

export { isPodReady };

/** A Service's selector as a label predicate; null when it has none (no managed endpoints). */
export function serviceSelector(svc: any): ((labels: Record<string, string>) => boolean) | null {
  const sel = svc?.spec?.selector;
  // Go drops an empty map on the wire, so {} and a missing selector are the same thing.
  if (!sel || typeof sel !== 'object' || Object.keys(sel).length === 0) return null;
  const entries = Object.entries(sel as Record<string, string>);
  return (labels) => entries.every(([k, v]) => labels?.[k] === v);
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
