// The EndpointSlice controller (discovery.k8s.io/v1): for every Service
// with a selector, slices of at most maxEndpointsPerSlice endpoints per
// address type and port set, each endpoint with its ready/serving/
// terminating conditions, node, zone and target pod. Slices are owned by
// the Service (the garbage collector removes them with it) and labelled so
// that kube-proxy and DNS find them.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import { addressTypesOf, findPort, hostnameFor, isHeadless, isPodReady, podIPsOf, rfc3339Nano, selectedPods, serviceSelector, shouldPodBeInEndpoints } from '../endpoints/podutil.ts';
import type { AddressType } from '../endpoints/podutil.ts';
import { labelsForService } from '../endpoints/index.ts';
import { TriggerTimeTracker, TRIGGER_TIME_ANNOTATION } from '../endpoints/trigger-time.ts';
import { planSlices, portsKey } from './plan.ts';
import { OwnWrites } from '../own-writes.ts';
import type { DesiredGroup, Slice, SliceEndpoint, SlicePort } from './plan.ts';

export const SLICES = RESOURCES.find((r) => r.group === 'discovery.k8s.io' && r.resource === 'endpointslices')!;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Index of the slices this controller manages, by their Service's key. */
export const byManagedService = (o: any): string[] => {
  const l = o?.metadata?.labels ?? {};
  return l[MANAGED_BY_LABEL] === CONTROLLER_NAME && l[SERVICE_NAME_LABEL] ? [`${o.metadata.namespace}/${l[SERVICE_NAME_LABEL]}`] : [];
};

export interface EndpointSliceControllerConfig {
  client: Client;
  services: Informer; // with a `selector` index (bySelectorPair)
  pods: Informer; // with a `label` index (byLabelPair)
  nodes: Informer;
  slices: Informer; // with a `service` index (byManagedService)
  maxEndpointsPerSlice?: number; // 100, as --max-endpoints-per-slice
}

const code = (err: unknown) => (err as any)?.status?.code;

export function endpointPorts(svc: any, pod: any): SlicePort[] {
  const ports: any[] = svc.spec?.ports ?? [];
  if (ports.length === 0 && isHeadless(svc)) return [];
  const out: SlicePort[] = [];
  for (const sp of ports) {
    const n = findPort(pod, sp);
    if (n === undefined) continue;
    const p: SlicePort = { name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

export function podToEndpoint(pod: any, svc: any, addresses: string[], node: any | undefined): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  // A terminating pod is never "ready" unless the Service publishes not-ready addresses.
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const e: SliceEndpoint = {
    addresses, conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
  const hostname = hostnameFor(pod, svc);
  if (hostname) e.hostname = hostname;
  if (pod.spec?.nodeName) e.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[ZONE_LABEL];
  if (zone) e.zone = zone;
  return e;
}

/** The endpoints a Service wants for one address type, grouped by port set and sorted for stable slices. */
export function desiredGroups(svc: any, pods: any[], nodes: (name: string) => any, family: AddressType): DesiredGroup[] {
  const matches = serviceSelector(svc);
  if (!matches) return [];
  const groups = new Map<string, DesiredGroup>();
  const sorted = [...pods].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const pod of sorted) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !matches(pod.metadata.labels ?? {})) continue;
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ips = podIPsOf(pod, family);
    if (ips.length === 0) continue;
    const ports = endpointPorts(svc, pod);
    const k = portsKey(ports);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { ports, endpoints: [] }));
    g.endpoints.push(podToEndpoint(pod, svc, ips, pod.spec?.nodeName ? nodes(pod.spec.nodeName) : undefined));
  }
  return [...groups.values()];
}

export function sliceLabels(svc: any): Record<string, string> {
  const l = labelsForService(svc);
  delete l[SERVICE_NAME_LABEL];
  delete l[MANAGED_BY_LABEL];
  return { ...l, [SERVICE_NAME_LABEL]: svc.metadata.name, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
}

export class EndpointSliceController implements Reconciler {
  readonly name = 'endpointslice';
  private readonly cfg: EndpointSliceControllerConfig;
  private readonly triggers = new TriggerTimeTracker();
  /**
   * What our own writes should look like in the cache (slices written, at
   * least at their resourceVersion, and slices deleted), so that a stale
   * cache never causes duplicate slices. Someone else may have changed or
   * removed our slices since; never wait on them for long.
   */
  private readonly expected = new OwnWrites<{ present: Map<string, bigint>; gone: Set<string> }>(10_000);

  constructor(cfg: EndpointSliceControllerConfig) {
    this.cfg = cfg;
  }

  private cacheIsStale(key: string, slices: any[]): boolean {
    return this.expected.pending(key, (exp) => {
      const have = new Map(slices.map((s) => [s.metadata.name, s]));
      for (const name of exp.gone) if (have.has(name)) return false;
      for (const [name, rv] of exp.present) {
        const s = have.get(name);
        if (!s) return false;
        try {
          if (BigInt(s.metadata.resourceVersion) < rv) return false;
        } catch {
          // a non-numeric resourceVersion cannot be ordered; trust the cache
        }
      }
      return true;
    });
  }

  async reconcile(key: string): Promise<Result> {
    const svc = this.cfg.services.get(key);
    if (!svc) {
      // The slices carry an ownerReference: the garbage collector deletes them with the Service.
      this.triggers.forget(...(key.split('/') as [string, string]));
      this.expected.forget(key);
      return;
    }
    if (!serviceSelector(svc)) return; // slices of selector-less Services are written by their owners
    const ns = svc.metadata.namespace;
    const existing = this.cfg.slices.byIndex('service', key);
    if (this.cacheIsStale(key, existing)) return { requeueAfterMs: 100 };
    // Selected first, so that desiredGroups sorts the Service's pods, not its namespace's.
    const pods = selectedPods(this.cfg.pods, svc);
    const trigger = this.triggers.compute(svc, pods);
    const labels = sliceLabels(svc);
    const owner = { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true };
    const types = addressTypesOf(svc);
    const plan = { create: [] as Slice[], update: [] as Slice[], delete: [] as Slice[] };
    // Slices of an address type the Service no longer has are deleted.
    plan.delete.push(...existing.filter((s) => !types.includes(s.addressType)));
    for (const family of types) {
      const p = planSlices({
        existing: existing.filter((s) => s.addressType === family), desired: desiredGroups(svc, pods, (n) => this.cfg.nodes.get(n), family),
        ownerUid: svc.metadata.uid, addressType: family, labels, maxEndpointsPerSlice: this.cfg.maxEndpointsPerSlice ?? 100,
        newSlice: (ports) => ({
          metadata: { generateName: `${svc.metadata.name}-`, namespace: ns, labels: { ...labels }, ownerReferences: [owner] },
          addressType: family, endpoints: [], ports,
        }),
      });
      plan.create.push(...p.create);
      plan.update.push(...p.update);
      plan.delete.push(...p.delete);
    }
    await this.apply(key, ns, plan, trigger);
    this.triggers.synced(ns, svc.metadata.name);
  }

  private async apply(key: string, ns: string, plan: { create: Slice[]; update: Slice[]; delete: Slice[] }, trigger: Date | undefined): Promise<void> {
    if (!plan.create.length && !plan.update.length && !plan.delete.length) return;
    const exp = this.expected.wrote(key, { present: new Map<string, bigint>(), gone: new Set<string>() });
    const stamp = (s: Slice): any => {
      const annotations = { ...(s.metadata.annotations ?? {}) };
      if (trigger) annotations[TRIGGER_TIME_ANNOTATION] = rfc3339Nano(trigger);
      else delete annotations[TRIGGER_TIME_ANNOTATION];
      const metadata: any = { ...s.metadata };
      if (Object.keys(annotations).length) metadata.annotations = annotations;
      else delete metadata.annotations;
      return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', ...s, metadata };
    };
    const record = (obj: any) => {
      try { exp.present.set(obj.metadata.name, BigInt(obj.metadata.resourceVersion)); } catch { /* unordered resourceVersion: nothing to wait for */ }
    };
    // Deletes first, then updates, then creates: at no moment are there more slices than needed.
    for (const s of plan.delete) {
      await this.cfg.client.delete(SLICES, ns, s.metadata.name!).catch((err) => { if (code(err) !== 404) throw err; });
      exp.gone.add(s.metadata.name!);
    }
    for (const s of plan.update) record(await this.cfg.client.update(SLICES, ns, stamp(s)));
    for (const s of plan.create) {
      try {
        record(await this.cfg.client.create(SLICES, ns, stamp(s)));
      } catch (err) {
        if (code(err) === 403) return; // the namespace is terminating
        throw err;
      }
    }
  }
}
