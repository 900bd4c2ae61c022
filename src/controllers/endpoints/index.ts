// The Endpoints controller: for every Service with a selector, an Endpoints
// object of the same name listing its pods' addresses (ready ones in
// `addresses`, the rest in `notReadyAddresses`) per resolved port set. A
// Service without a selector keeps whatever Endpoints its owner writes; the
// Endpoints of a deleted Service are deleted.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import { isDeepStrictEqual } from 'node:util';
import { computeSubsets, countAddresses, truncateSubsets, MAX_CAPACITY, OVER_CAPACITY_ANNOTATION } from './subsets.ts';
import { TriggerTimeTracker, TRIGGER_TIME_ANNOTATION } from './trigger-time.ts';
import { isHeadless, rfc3339Nano, selectedPods, serviceSelector } from './podutil.ts';
import { OwnWrites } from '../own-writes.ts';

const ENDPOINTS = RESOURCES.find((r) => r.group === '' && r.resource === 'endpoints')!;
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** How long a sync waits for the cache to show our own write before writing anyway (a delete may have hidden it). */
const STALE_WAIT_MS = 5000;

export interface EndpointsControllerConfig {
  client: Client;
  services: Informer; // with a `selector` index (bySelectorPair)
  pods: Informer; // with a `label` index (byLabelPair)
  endpoints: Informer;
}

const code = (err: unknown) => (err as any)?.status?.code;

/** The labels an Endpoints (or EndpointSlice) carries: the Service's, plus the headless marker. */
export function labelsForService(svc: any): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

export class EndpointsController implements Reconciler {
  readonly name = 'endpoints';
  private readonly cfg: EndpointsControllerConfig;
  private readonly triggers = new TriggerTimeTracker();
  /** Per Endpoints, the cached resourceVersion ('' for none) our last write started from, until the cache moves past it. */
  private readonly written = new OwnWrites<string>(STALE_WAIT_MS);

  constructor(cfg: EndpointsControllerConfig) {
    this.cfg = cfg;
  }

  async reconcile(key: string): Promise<Result> {
    const [ns, name] = key.split('/');
    const svc = this.cfg.services.get(key);
    if (!svc) {
      this.triggers.forget(ns, name);
      this.written.forget(key);
      // Endpoints carry no ownerReference, so the controller removes them itself.
      await this.cfg.client.delete(ENDPOINTS, ns, name).catch((err) => { if (code(err) !== 404) throw err; });
      return;
    }
    if (!serviceSelector(svc)) return;
    const pods = selectedPods(this.cfg.pods, svc);
    const trigger = this.triggers.compute(svc, pods);
    let subsets = computeSubsets(svc, pods);
    const over = countAddresses(subsets) > MAX_CAPACITY;
    if (over) subsets = truncateSubsets(subsets);

    const current = this.cfg.endpoints.get(key);
    // Our last write has not reached the cache yet: writing from the older copy is a certain conflict.
    if (this.written.pending(key, (from) => (current?.metadata.resourceVersion ?? '') !== from)) return { requeueAfterMs: 100 };
    const labels = labelsForService(svc);
    if (current && !current.metadata.deletionTimestamp) {
      const sameSubsets = isDeepStrictEqual(current.subsets ?? [], subsets);
      const sameLabels = isDeepStrictEqual(current.metadata.labels ?? {}, labels);
      const capacityOk = (current.metadata.annotations?.[OVER_CAPACITY_ANNOTATION] === 'truncated') === over;
      if (sameSubsets && sameLabels && capacityOk) {
        this.triggers.synced(ns, name);
        return;
      }
    }
    const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
    if (trigger) annotations[TRIGGER_TIME_ANNOTATION] = rfc3339Nano(trigger);
    else delete annotations[TRIGGER_TIME_ANNOTATION];
    if (over) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    const metadata: any = { ...(current?.metadata ?? { name, namespace: ns }), labels };
    if (Object.keys(annotations).length) metadata.annotations = annotations;
    else delete metadata.annotations;
    const obj = { apiVersion: 'v1', kind: 'Endpoints', metadata, subsets };
    try {
      if (current) await this.cfg.client.update(ENDPOINTS, ns, obj);
      else await this.cfg.client.create(ENDPOINTS, ns, obj);
      this.written.wrote(key, current?.metadata.resourceVersion ?? '');
      this.triggers.synced(ns, name);
    } catch (err) {
      // 403 on create: the namespace is terminating, and nothing should be added to it.
      if (!current && code(err) === 403) return;
      throw err; // 409: our cache is stale; the retry reads the fresher object
    }
  }
}
