// What the mirrored EndpointSlices of one Endpoints object should be (after
// upstream's mirroring reconciler): the subsets are repacked (addresses
// merged by IP and target, grouped by identical port sets), each group of
// ports and address family becomes one slice of at most
// maxEndpointsPerSubset endpoints, and the existing slices are reused by
// name where possible.
import { isIP } from 'node:net';
import { isDeepStrictEqual } from 'node:util';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
const TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface MirrorPlan {
  create: any[];
  update: any[];
  delete: any[];
  invalid: number;
  skipped: number;
}

interface Port { name: string; port: number; protocol: string; appProtocol?: string }

const portOf = (p: any): Port => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) });
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const portsKey = (ports: Port[]): string => ports.map((p) => JSON.stringify([p.name, p.port, p.protocol, p.appProtocol ?? ''])).sort().join(',');

/**
 * Upstream's RepackSubsets: ports offered by exactly the same addresses (with
 * the same readiness) share a subset; an address ready for a port in any
 * subset is ready for it.
 */
export function repack(subsets: any[]): { ports: Port[]; addresses: any[]; notReady: any[] }[] {
  const addrs = new Map<string, any>();
  // port key (or '' for a subset without ports) → address key → ready
  const byPort = new Map<string, { port?: Port; ready: Map<string, boolean> }>();
  for (const s of subsets ?? []) {
    const ports: (Port | undefined)[] = (s.ports ?? []).length ? s.ports.map(portOf) : [undefined];
    for (const port of ports) {
      const pk = port ? portsKey([port]) : '';
      let entry = byPort.get(pk);
      if (!entry) byPort.set(pk, (entry = { port, ready: new Map() }));
      for (const [list, ready] of [[s.addresses ?? [], true], [s.notReadyAddresses ?? [], false]] as const) {
        for (const a of list) {
          const k = `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
          if (!addrs.has(k)) addrs.set(k, a);
          if (!entry.ready.get(k)) entry.ready.set(k, ready);
        }
      }
    }
  }
  const groups = new Map<string, { ports: Port[]; addresses: any[]; notReady: any[] }>();
  for (const { port, ready } of byPort.values()) {
    const k = [...ready].map(([a, r]) => `${a}=${r}`).sort().join(',');
    let g = groups.get(k);
    if (!g) {
      groups.set(k, (g = { ports: [], addresses: [], notReady: [] }));
      for (const [a, r] of ready) (r ? g.addresses : g.notReady).push(addrs.get(a));
    }
    if (port) g.ports.push(port);
  }
  for (const g of groups.values()) g.ports.sort((a, b) => cmp(a.name, b.name) || a.port - b.port);
  return [...groups.values()];
}

function toEndpoint(a: any, ready: boolean): { family: string; endpoint: any } | undefined {
  const v = isIP(a.ip ?? '');
  if (!v) return undefined;
  const ip = v === 6 ? new URL(`http://[${a.ip}]`).hostname.slice(1, -1) : a.ip;
  const e: any = { addresses: [ip], conditions: { ready } };
  if (a.hostname) e.hostname = a.hostname;
  if (a.nodeName) e.nodeName = a.nodeName;
  if (a.targetRef) e.targetRef = a.targetRef;
  return { family: v === 6 ? 'IPv6' : 'IPv4', endpoint: e };
}

const endpointKey = (e: any) => `${e.addresses[0]}\u0000${e.targetRef?.uid ?? ''}\u0000${e.targetRef?.name ?? ''}`;
const canonical = (eps: any[]) => [...eps].sort((a, b) => cmp(endpointKey(a), endpointKey(b)));
const withoutKeys = (m: Record<string, string> | undefined, ...keys: string[]) => {
  const out = { ...(m ?? {}) };
  for (const k of keys) delete out[k];
  return out;
};

export function planMirror(endpoints: any, existing: any[], maxEndpointsPerSubset = 1000): MirrorPlan {
  const desired = new Map<string, { family: string; ports: Port[]; endpoints: any[] }>();
  let invalid = 0, skipped = 0;
  for (const s of repack(endpoints.subsets)) {
    let added = 0;
    const total = s.addresses.length + s.notReady.length;
    for (const [list, ready] of [[s.addresses, true], [s.notReady, false]] as const) {
      for (const a of list) {
        if (added >= maxEndpointsPerSubset) break;
        const r = toEndpoint(a, ready);
        if (!r) { invalid++; continue; }
        const k = `${r.family}-${portsKey(s.ports)}`;
        let d = desired.get(k);
        if (!d) desired.set(k, (d = { family: r.family, ports: s.ports, endpoints: [] }));
        d.endpoints.push(r.endpoint);
        added++;
      }
    }
    skipped += total - added;
  }

  const meta = endpoints.metadata;
  const labels = { ...(meta.labels ?? {}), [SERVICE_NAME_LABEL]: meta.name, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
  const annotations = withoutKeys(meta.annotations, TRIGGER_TIME, LAST_APPLIED);
  const owner = { apiVersion: 'v1', kind: 'Endpoints', name: meta.name, uid: meta.uid, controller: true, blockOwnerDeletion: true };
  const build = (d: { family: string; ports: Port[]; endpoints: any[] }, name?: string) => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { ...(name ? { name } : { generateName: `${meta.name}-` }), namespace: meta.namespace, labels: { ...labels }, annotations: { ...annotations }, ownerReferences: [owner] },
    addressType: d.family, endpoints: canonical(d.endpoints), ports: d.ports,
  });

  const byKey = new Map<string, any[]>();
  for (const s of existing) {
    const k = `${s.addressType}-${portsKey((s.ports ?? []).map(portOf))}`;
    byKey.set(k, [...(byKey.get(k) ?? []), s]);
  }
  const plan: MirrorPlan = { create: [], update: [], delete: [], invalid, skipped };
  for (const [k, d] of desired) {
    const have = byKey.get(k) ?? [];
    byKey.delete(k);
    if (have.length === 0) { plan.create.push(build(d)); continue; }
    plan.delete.push(...have.slice(1));
    const first = have[0];
    const same = isDeepStrictEqual(canonical(first.endpoints ?? []), canonical(d.endpoints))
      && isDeepStrictEqual(withoutKeys(first.metadata.labels, MANAGED_BY_LABEL, SERVICE_NAME_LABEL), meta.labels ?? {})
      && isDeepStrictEqual(first.metadata.annotations ?? {}, annotations);
    if (!same) plan.update.push({ ...build(d, first.metadata.name), metadata: { ...build(d, first.metadata.name).metadata, resourceVersion: first.metadata.resourceVersion } });
  }
  for (const rest of byKey.values()) plan.delete.push(...rest);
  // Like upstream, a slice about to be deleted is recycled for a new one instead.
  while (plan.create.length && plan.delete.length) {
    const old = plan.delete.shift();
    const s = plan.create.shift();
    plan.update.push({ ...s, metadata: { ...s.metadata, generateName: undefined, name: old.metadata.name, resourceVersion: old.metadata.resourceVersion } });
  }
  for (const u of plan.update) delete u.metadata.generateName;
  return plan;
}
