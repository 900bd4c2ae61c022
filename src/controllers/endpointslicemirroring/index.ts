// The EndpointSlice mirroring controller: the Endpoints of a Service without
// a selector (written by hand or by another controller) are mirrored into
// EndpointSlices, owned by the Endpoints and labelled managed-by
// endpointslicemirroring-controller.k8s.io, so kube-proxy and DNS see them.
// Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true, leader
// election records, and those of Services with a selector (the endpoints
// controller's) are not mirrored; slices already mirrored for them go.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import type { Recorder } from '../../client/events.ts';
import { planMirror, CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './plan.ts';

export { CONTROLLER_NAME } from './plan.ts';
export const SLICES = RESOURCES.find((r) => r.group === 'discovery.k8s.io' && r.resource === 'endpointslices')!;
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

/** Index of the slices this controller mirrored, by their Endpoints' key. */
export const byMirroredEndpoints = (o: any): string[] => {
  const l = o?.metadata?.labels ?? {};
  return l[MANAGED_BY_LABEL] === CONTROLLER_NAME && l[SERVICE_NAME_LABEL] ? [`${o.metadata.namespace}/${l[SERVICE_NAME_LABEL]}`] : [];
};

export const shouldMirror = (ep: any): boolean =>
  Boolean(ep) && ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true' && ep.metadata?.annotations?.[LEADER_ANNOTATION] === undefined;
export const hasSelector = (svc: any): boolean => svc?.spec?.selector !== undefined && svc?.spec?.selector !== null;

export interface MirroringConfig {
  client: Client;
  endpoints: Informer;
  services: Informer;
  /** With a `mirrored` index (byMirroredEndpoints). */
  slices: Informer;
  recorder: Recorder;
  /** --mirroring-max-endpoints-per-subset (1000). */
  maxEndpointsPerSubset?: number;
}

const code = (err: unknown) => (err as any)?.status?.code;

export class EndpointSliceMirroringController implements Reconciler {
  readonly name = 'endpointslice-mirroring';
  private readonly cfg: MirroringConfig;
  /** Our own recent writes, so that a cache that has not seen them yet never causes duplicate slices. */
  private readonly expected = new Map<string, { present: Map<string, bigint>; gone: Set<string>; at: number }>();

  constructor(cfg: MirroringConfig) {
    this.cfg = cfg;
  }

  private stale(key: string, slices: any[]): boolean {
    const exp = this.expected.get(key);
    if (!exp) return false;
    if (Date.now() - exp.at > 10_000) { this.expected.delete(key); return false; }
    const have = new Map(slices.map((s) => [s.metadata.name, s]));
    for (const name of exp.gone) if (have.has(name)) return true;
    for (const [name, rv] of exp.present) {
      const s = have.get(name);
      if (!s) return true;
      try { if (BigInt(s.metadata.resourceVersion) < rv) return true; } catch { /* unordered resourceVersion: trust the cache */ }
    }
    this.expected.delete(key);
    return false;
  }

  private async deleteMirrored(key: string, ns: string): Promise<void> {
    const slices = this.cfg.slices.byIndex('mirrored', key);
    const exp = { present: new Map<string, bigint>(), gone: new Set<string>(), at: Date.now() };
    for (const s of slices) {
      await this.cfg.client.delete(SLICES, ns, s.metadata.name).catch((err) => { if (code(err) !== 404) throw err; });
      exp.gone.add(s.metadata.name);
    }
    if (exp.gone.size) this.expected.set(key, exp);
  }

  async reconcile(key: string): Promise<Result> {
    const [ns] = key.split('/');
    const ep = this.cfg.endpoints.get(key);
    const svc = this.cfg.services.get(key);
    if (!ep || !shouldMirror(ep) || !svc || hasSelector(svc)) {
      await this.deleteMirrored(key, ns);
      return;
    }
    const existing = this.cfg.slices.byIndex('mirrored', key);
    if (this.stale(key, existing)) return { requeueAfterMs: 100 };
    const max = this.cfg.maxEndpointsPerSubset ?? 1000;
    const plan = planMirror(ep, existing, max);
    const ref = { apiVersion: 'v1', kind: 'Endpoints', metadata: ep.metadata };
    if (plan.invalid > 0) this.cfg.recorder.event(ref, 'Warning', 'InvalidIPAddress', `Skipped ${plan.invalid} invalid IP addresses when mirroring to EndpointSlices`);
    if (plan.skipped > plan.invalid) {
      this.cfg.recorder.event(ref, 'Warning', 'TooManyAddressesToMirror', `A max of ${max} addresses can be mirrored to EndpointSlices per Endpoints subset. ${plan.skipped} addresses were skipped`);
    }
    if (!plan.create.length && !plan.update.length && !plan.delete.length) return;
    const exp = { present: new Map<string, bigint>(), gone: new Set<string>(), at: Date.now() };
    this.expected.set(key, exp);
    const record = (obj: any) => {
      try { exp.present.set(obj.metadata.name, BigInt(obj.metadata.resourceVersion)); } catch { /* unordered resourceVersion */ }
    };
    // No new slices for an Endpoints being deleted.
    if (!ep.metadata.deletionTimestamp) {
      for (const s of plan.create) {
        try {
          record(await this.cfg.client.create(SLICES, ns, s));
        } catch (err) {
          if (code(err) === 403 || code(err) === 404) return; // the namespace is terminating or gone
          throw err;
        }
      }
    }
    for (const s of plan.update) record(await this.cfg.client.update(SLICES, ns, s));
    for (const s of plan.delete) {
      await this.cfg.client.delete(SLICES, ns, s.metadata.name).catch((err) => { if (code(err) !== 404) throw err; });
      exp.gone.add(s.metadata.name);
    }
  }
}
