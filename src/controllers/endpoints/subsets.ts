// The subsets of a Service's Endpoints, built as upstream's endpoints
// controller builds them: one address per selected pod and resolvable port,
// ready or not ready, then repacked so that addresses offering the same set
// of ports share one subset, and sorted for a stable output.
import { addressTypesOf, findPort, hostnameFor, isHeadless, isPodReady, podIPsOf, serviceSelector, shouldPodBeInEndpoints } from './podutil.ts';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** Upstream's cap on addresses per Endpoints object; beyond it the object is truncated and annotated. */
export const MAX_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

export function endpointPortFor(svcPort: any, port: number): EndpointPort {
  const p: EndpointPort = { port, protocol: svcPort.protocol ?? 'TCP' };
  if (svcPort.name) p.name = svcPort.name;
  if (svcPort.appProtocol) p.appProtocol = svcPort.appProtocol;
  return p;
}

export function addressFor(pod: any, svc: any): EndpointAddress | undefined {
  const ip = podIPsOf(pod, addressTypesOf(svc)[0])[0];
  if (!ip) return undefined;
  const a: EndpointAddress = { ip };
  const hostname = hostnameFor(pod, svc);
  if (hostname) a.hostname = hostname;
  a.nodeName = pod.spec?.nodeName ?? '';
  a.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  return a;
}

/** The unpacked subsets: one per pod and port, before repacking. */
export function rawSubsets(svc: any, pods: any[]): EndpointSubset[] {
  const matches = serviceSelector(svc);
  if (!matches) return [];
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const ports: any[] = svc.spec?.ports ?? [];
  const out: EndpointSubset[] = [];
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !matches(pod.metadata.labels ?? {})) continue;
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const addr = addressFor(pod, svc);
    if (!addr) continue;
    const ready = tolerateUnready || isPodReady(pod);
    const add = (eps: EndpointPort[]) => out.push(ready ? { addresses: [addr], ports: eps } : { notReadyAddresses: [addr], ports: eps });
    if (ports.length === 0 && isHeadless(svc)) {
      add([]);
      continue;
    }
    for (const sp of ports) {
      const n = findPort(pod, sp);
      if (n === undefined) continue; // upstream logs and skips a port the pod does not offer
      add([endpointPortFor(sp, n)]);
    }
  }
  return out;
}

const addrKey = (a: EndpointAddress) => `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort) => JSON.stringify([p.name ?? '', p.port, p.protocol, p.appProtocol ?? null]);

// Sorting compares each address many times, and pods keep their IPs across syncs: convert each IP once.
const ipKeys = new Map<string, string>();

/** Orders IPs by their bytes, as Go's bytes.Compare on net.IP does. */
function ipBytes(ip: string): string {
  let k = ipKeys.get(ip);
  if (k === undefined) {
    if (ipKeys.size >= 65_536) ipKeys.clear();
    ipKeys.set(ip, (k = ipSortKey(ip)));
  }
  return k;
}

function ipSortKey(ip: string): string {
  if (!ip.includes(':')) return '::ffff:' + ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('');
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.padStart(4, '0')).join('');
}

export function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const x = ipBytes(a.ip);
  const y = ipBytes(b.ip);
  if (x !== y) return x < y ? -1 : 1;
  const u = a.targetRef?.uid ?? '';
  const v = b.targetRef?.uid ?? '';
  return u < v ? -1 : u > v ? 1 : 0;
}

/**
 * RepackSubsets: maps each port to the addresses offering it (an address
 * ready for a port through any subset stays ready), groups ports whose
 * address sets are identical, and sorts addresses, ports and subsets.
 */
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const addrs = new Map<string, EndpointAddress>();
  const byPort = new Map<string, { port: EndpointPort | null; ready: Map<string, boolean> }>();
  const note = (addr: EndpointAddress, port: EndpointPort | null, ready: boolean) => {
    const k = addrKey(addr);
    if (!addrs.has(k)) addrs.set(k, addr);
    const pk = port ? portKey(port) : 'sentinel';
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port, ready: new Map() }));
    if (!entry.ready.get(k)) entry.ready.set(k, ready);
  };
  for (const s of subsets) {
    const ports = s.ports?.length ? s.ports : [null];
    for (const p of ports) {
      for (const a of s.addresses ?? []) note(a, p, true);
      for (const a of s.notReadyAddresses ?? []) note(a, p, false);
    }
  }
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, ready } of byPort.values()) {
    const key = [...ready].map(([k, r]) => `${k}\u0000${r}`).sort().join('\n');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ready, ports: [] }));
    if (port) g.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, r] of g.ready) (r ? ready : notReady).push(addrs.get(k)!);
    const s: EndpointSubset = {};
    if (ready.length) s.addresses = ready.sort(compareAddresses);
    if (notReady.length) s.notReadyAddresses = notReady.sort(compareAddresses);
    if (g.ports.length) s.ports = g.ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
    out.push(s);
  }
  const subsetKey = (s: EndpointSubset) => JSON.stringify([(s.ports ?? []).map(portKey), (s.addresses ?? s.notReadyAddresses ?? [])[0]?.ip ?? '']);
  return out.sort((a, b) => (subsetKey(a) < subsetKey(b) ? -1 : subsetKey(a) > subsetKey(b) ? 1 : 0));
}

export function countAddresses(subsets: EndpointSubset[]): number {
  return subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
}

/**
 * Cuts subsets down to MAX_CAPACITY addresses, each subset keeping its
 * share, ready addresses before not-ready ones (upstream's truncateEndpoints).
 */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_CAPACITY): EndpointSubset[] {
  const total = countAddresses(subsets);
  if (total <= max) return subsets;
  let left = max;
  return subsets.map((s, i) => {
    const n = (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
    const keep = i === subsets.length - 1 ? left : Math.min(left, Math.round((n / total) * max));
    left -= keep;
    const ready = (s.addresses ?? []).slice(0, keep);
    const notReady = (s.notReadyAddresses ?? []).slice(0, keep - ready.length);
    const t: EndpointSubset = {};
    if (ready.length) t.addresses = ready;
    if (notReady.length) t.notReadyAddresses = notReady;
    if (s.ports) t.ports = s.ports;
    return t;
  });
}

/** Everything the controller writes into subsets for a Service and its namespace's pods. */
export function computeSubsets(svc: any, pods: any[]): EndpointSubset[] {
  return repackSubsets(rawSubsets(svc, pods));
}
