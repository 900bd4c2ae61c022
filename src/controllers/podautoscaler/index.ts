// The horizontal pod autoscaler (autoscaling/v2), after upstream's
// HorizontalController: every sync period it reads the target's /scale,
// computes a replica count per metric (Resource and ContainerResource
// metrics cpu and memory, Utilization or AverageValue, from metrics.k8s.io), takes the largest,
// stabilizes and rate-limits it (normalize.ts), writes /scale when it
// changes, and reports status, conditions and events with upstream's
// reasons and messages.
import { findKind, RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import { resourcePath } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import type { Recorder } from '../../client/events.ts';
import { parseSelector } from '../../machinery/labels.ts';
import { parseQuantity, milliValue } from '../../machinery/quantity.ts';
import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_CALCULATOR, rawResourceReplicas, resourceReplicas } from './replicas.ts';
import type { CalculatorConfig } from './replicas.ts';
import { Normalizer } from './normalize.ts';
import { resourceMetric } from './metrics.ts';
import type { MetricsSource } from './metrics.ts';
import { milliQuantity, setCondition, setStatus } from './status.ts';

export const HPAS = RESOURCES.find((r) => r.group === 'autoscaling' && r.version === 'v2' && r.resource === 'horizontalpodautoscalers')!;

export interface HPAControllerConfig {
  client: Client;
  hpas: Informer;
  /** Pods, indexed by namespace. */
  pods: Informer;
  metrics: MetricsSource;
  recorder: Recorder;
  now?: () => Date;
  syncPeriodMs?: number;
  downscaleStabilizationMs?: number;
  calculator?: Partial<CalculatorConfig>;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** A failure that has already been reported on the HPA (condition and event). */
class Reported extends Error {}

export class HorizontalController implements Reconciler {
  readonly name = 'horizontal-pod-autoscaler';
  private readonly cfg: HPAControllerConfig;
  private readonly now: () => Date;
  private readonly calc: CalculatorConfig;
  readonly normalizer: Normalizer;

  constructor(cfg: HPAControllerConfig) {
    this.cfg = cfg;
    this.now = cfg.now ?? (() => new Date());
    this.calc = { ...DEFAULT_CALCULATOR, ...cfg.calculator };
    this.normalizer = new Normalizer(cfg.downscaleStabilizationMs ?? 300_000);
  }

  get syncPeriodMs(): number {
    // A zero period would spin: at most ten syncs a second.
    return Math.max(100, this.cfg.syncPeriodMs ?? 15_000);
  }

  async reconcile(key: string): Promise<Result> {
    const cached = this.cfg.hpas.get(key);
    if (!cached) {
      this.normalizer.forget(key);
      return;
    }
    // The apiserver serves every HPA as autoscaling/v2, whatever version it was written in.
    const hpa = structuredClone(cached);
    try {
      await this.sync(key, hpa, cached);
    } catch (err) {
      if (!(err instanceof Reported)) throw err;
      this.cfg.log?.('autoscaling failed', { hpa: key, error: err.message });
    }
    return { requeueAfterMs: this.syncPeriodMs };
  }

  private warn(hpa: any, reason: string, message: string): void {
    this.cfg.recorder.event(hpa, 'Warning', reason, message);
  }

  private async sync(key: string, hpa: any, original: any): Promise<void> {
    const ns = hpa.metadata.namespace;
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const reference = `${ref.kind}/${ns}/${ref.name}`;
    const now = this.now();
    const target = findKind(ref.apiVersion ?? '', ref.kind ?? '');
    let scale: any;
    try {
      if (!target || !target.subresources?.includes('scale')) {
        const group = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/')[0] : '';
        throw new Error(`unable to determine resource for scale target reference: no matches for kind "${ref.kind}" in group "${group}"`);
      }
      scale = await this.cfg.client.request('GET', resourcePath(target, ns, ref.name, 'scale'));
    } catch (err) {
      const msg = (err as Error).message;
      this.warn(hpa, 'FailedGetScale', msg);
      setCondition(hpa, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`, now);
      await this.updateStatusIfNeeded(original, hpa);
      throw new Reported(`failed to query scale subresource for ${reference}: ${msg}`);
    }
    setCondition(hpa, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale", now);
    const current: number = scale.spec?.replicas ?? 0;
    const t = now.getTime();
    this.normalizer.recordInitial(key, current, t);

    const minReplicas: number = hpa.spec.minReplicas ?? 1;
    const maxReplicas: number = hpa.spec.maxReplicas;
    let desired = 0;
    let reason = '';
    let metricStatuses: any[] = hpa.status?.currentMetrics ?? [];
    let rescale = true;
    let partialError: Error | undefined;
    if (current === 0 && minReplicas !== 0) {
      rescale = false;
      setCondition(hpa, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', now);
    } else if (current > maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (current < minReplicas) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const computed = await this.computeReplicasForMetrics(hpa, scale, now);
      metricStatuses = computed.statuses;
      if (computed.replicas === -1) {
        setStatus(hpa, current, hpa.status?.desiredReplicas ?? 0, metricStatuses, false, now);
        await this.updateStatusIfNeeded(original, hpa);
        this.warn(hpa, 'FailedComputeMetricsReplicas', computed.error!.message);
        throw new Reported(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${computed.error!.message}`);
      }
      partialError = computed.error;
      desired = computed.replicas;
      if (desired > current) reason = `${computed.metric} above target`;
      if (desired < current) reason = 'All metrics below target';
      const n = this.normalizer.normalize({ key, current, desired, min: minReplicas, max: maxReplicas, behavior: hpa.spec.behavior }, t);
      setCondition(hpa, 'AbleToScale', 'True', n.able.reason, n.able.message, now);
      setCondition(hpa, 'ScalingLimited', n.limited ? 'True' : 'False', n.limit.reason, n.limit.message, now);
      desired = n.replicas;
      rescale = desired !== current;
    }

    if (rescale) {
      try {
        await this.cfg.client.request('PUT', resourcePath(target!, ns, ref.name, 'scale'), { ...scale, spec: { ...scale.spec, replicas: desired } });
      } catch (err) {
        const msg = (err as Error).message;
        this.warn(hpa, 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${msg}`);
        setCondition(hpa, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${msg}`, now);
        setStatus(hpa, current, hpa.status?.desiredReplicas ?? 0, metricStatuses, false, now);
        await this.updateStatusIfNeeded(original, hpa);
        throw new Reported(`failed to rescale ${reference}: ${msg}`);
      }
      setCondition(hpa, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`, now);
      this.cfg.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      this.normalizer.recordScale(key, hpa.spec.behavior, current, desired, t);
      this.cfg.log?.('successful rescale', { hpa: key, from: current, to: desired, reason });
    } else {
      desired = current;
    }
    setStatus(hpa, current, desired, metricStatuses, rescale, now);
    await this.updateStatusIfNeeded(original, hpa);
    if (partialError) throw new Reported(partialError.message);
  }

  private async computeReplicasForMetrics(hpa: any, scale: any, now: Date): Promise<{ replicas: number; metric: string; statuses: any[]; error?: Error }> {
    const selectorText: string = scale.status?.selector ?? '';
    if (!selectorText) {
      this.warn(hpa, 'SelectorRequired', 'selector is required');
      setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector", now);
      return { replicas: -1, metric: '', statuses: [], error: new Error('selector is required') };
    }
    let selector: ReturnType<typeof parseSelector>;
    try {
      selector = parseSelector(selectorText);
    } catch (err) {
      const msg = `couldn't convert selector into a corresponding internal selector object: ${(err as Error).message}`;
      this.warn(hpa, 'InvalidSelector', msg);
      setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', msg, now);
      return { replicas: -1, metric: '', statuses: [], error: new Error(msg) };
    }
    const specs: any[] = hpa.spec.metrics ?? [];
    const specReplicas: number = scale.spec?.replicas ?? 0;
    const statuses: any[] = specs.map(() => ({ type: '' }));
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let firstError: Error | undefined;
    let firstCondition: { reason: string; message: string } | undefined;
    for (let i = 0; i < specs.length; i++) {
      const r = await this.computeForMetric(hpa, specs[i], specReplicas, selectorText, selector, now);
      if ('error' in r) {
        if (invalid === 0) [firstError, firstCondition] = [r.error, r.condition];
        invalid++;
        continue;
      }
      statuses[i] = r.status;
      if (replicas === 0 || r.replicas > replicas) [replicas, metric] = [r.replicas, r.metric];
    }
    const error = firstError ? new Error(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}`) : undefined;
    if (invalid >= specs.length || (invalid > 0 && replicas < specReplicas)) {
      if (firstCondition) setCondition(hpa, 'ScalingActive', 'False', firstCondition.reason, firstCondition.message, now);
      return { replicas: -1, metric: '', statuses, error: error ?? new Error('no metrics to compute a replica count from') };
    }
    setCondition(hpa, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metric}`, now);
    return { replicas, metric, statuses, error };
  }

  private unable(hpa: any, reason: string, err: Error): { error: Error; condition: { reason: string; message: string } } {
    this.warn(hpa, reason, err.message);
    return { error: err, condition: { reason, message: `the HPA was unable to compute the replica count: ${err.message}` } };
  }

  /** One metric's proposal; `error` carries the ScalingActive condition to report if no metric works. */
  private async computeForMetric(hpa: any, spec: any, specReplicas: number, selectorText: string, selector: ReturnType<typeof parseSelector>, now: Date):
    Promise<{ replicas: number; metric: string; status: any } | { error: Error; condition: { reason: string; message: string } }> {
    const type = spec?.type;
    if (type !== 'Resource' && type !== 'ContainerResource') {
      return this.unable(hpa, 'InvalidMetricSourceType', new Error(`unknown metric source type "${type}"`));
    }
    const source = type === 'Resource' ? spec.resource : spec.containerResource;
    const failReason = type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
    const name: string = source?.name;
    const container: string = type === 'ContainerResource' ? source?.container ?? '' : '';
    const target = source?.target ?? {};
    const ns = hpa.metadata.namespace;
    const status = (current: any) => (type === 'Resource'
      ? { type, resource: { name, current } }
      : { type, containerResource: { name, container, current } });
    const pods = this.cfg.pods.byIndex('namespace', ns).filter((p) => selector.matches(p.metadata.labels ?? {}));
    const fetch = () => resourceMetric(this.cfg.metrics, name, ns, selectorText, container).catch((err) => {
      throw new Error(`unable to get metrics for resource ${name}: ${(err as Error).message}`);
    });
    const t = now.getTime();
    if (target.averageValue !== undefined) {
      try {
        const r = rawResourceReplicas(specReplicas, milliValue(parseQuantity(target.averageValue)), name, pods, (await fetch()).metrics, this.calc, t);
        return { replicas: r.replicas, metric: `${name} resource`, status: status({ averageValue: milliQuantity(r.usage) }) };
      } catch (err) {
        return this.unable(hpa, failReason, new Error(`failed to get ${name} usage: ${(err as Error).message}`));
      }
    }
    if (target.averageUtilization === undefined) {
      return this.unable(hpa, failReason, new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set'));
    }
    try {
      const r = resourceReplicas(specReplicas, target.averageUtilization, name, pods, (await fetch()).metrics, this.calc, t, container);
      return {
        replicas: r.replicas, metric: `${name} resource utilization (percentage of request)`,
        status: status({ averageUtilization: r.utilization, averageValue: milliQuantity(r.raw) }),
      };
    } catch (err) {
      return this.unable(hpa, failReason, new Error(`failed to get ${name} utilization: ${(err as Error).message}`));
    }
  }

  private async updateStatusIfNeeded(original: any, hpa: any): Promise<void> {
    if (isDeepStrictEqual(original.status ?? {}, hpa.status ?? {})) return;
    try {
      await this.cfg.client.update(HPAS, hpa.metadata.namespace, hpa, { subresource: 'status' });
    } catch (err) {
      this.warn(hpa, 'FailedUpdateStatus', (err as Error).message);
      throw new Error(`failed to update status for ${hpa.metadata.name}: ${(err as Error).message}`);
    }
  }
}

