// autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscalers, as upstream
// converts them. The apiserver stores v2 and converts on every read and
// write through v1. v1's targetCPUUtilizationPercentage is the cpu
// Utilization Resource metric and currentCPUUtilizationPercentage its
// current averageUtilization; what v1 has no field for travels in
// annotations of the v1 object, so that a read-modify-write through v1
// loses nothing: the other metrics, all current metrics, the behavior and
// the conditions. v2 objects never carry those annotations.
import { metricSpecFromV1, metricSpecToV1, metricStatusFromV1, metricStatusToV1 } from './metrics-v1.ts';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const ROUND_TRIP = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION];
const DEFAULT_CPU_PERCENT = 80;
export const V1 = 'autoscaling/v1';
export const V2 = 'autoscaling/v2';

type Obj = Record<string, any>;

/** A conversion failure (an annotation that is not the JSON it should be): the request is bad. */
export class ConversionError extends Error {}

function isCpuUtilizationSpec(m: Obj): boolean {
  return m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.averageUtilization != null;
}

/** Metadata without the round-trip annotations (and without `annotations` once empty, as omitempty drops it). */
export function dropRoundTripAnnotations(meta: Obj | undefined): Obj {
  const out = { ...(meta ?? {}) };
  const given = meta?.annotations;
  if (!given || !ROUND_TRIP.some((k) => k in given)) return out;
  const annotations = { ...given };
  for (const k of ROUND_TRIP) delete annotations[k];
  if (Object.keys(annotations).length) out.annotations = annotations;
  else delete out.annotations;
  return out;
}

function compact(o: Obj): Obj {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

// Upstream marshals its internal behavior type, which has no JSON tags:
// Go field names, and null for anything unset.
function rulesToAnnotation(r: Obj | undefined): Obj | null {
  if (!r) return null;
  return {
    StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
    SelectPolicy: r.selectPolicy ?? null,
    Policies: Array.isArray(r.policies) ? r.policies.map((p: Obj) => ({ Type: p.type ?? '', Value: p.value ?? 0, PeriodSeconds: p.periodSeconds ?? 0 })) : null,
    Tolerance: r.tolerance ?? null,
  };
}

function behaviorToAnnotation(b: Obj): string {
  return JSON.stringify({ ScaleUp: rulesToAnnotation(b.scaleUp), ScaleDown: rulesToAnnotation(b.scaleDown) });
}

/** Go's JSON decoding matches field names case-insensitively; null is unset. */
function field(o: Obj | null | undefined, name: string): any {
  if (!o || typeof o !== 'object') return undefined;
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined || o[key] === null ? undefined : o[key];
}

function rulesFromAnnotation(r: Obj | undefined): Obj | undefined {
  if (r === undefined) return undefined;
  const policies = field(r, 'policies');
  return compact({
    stabilizationWindowSeconds: field(r, 'stabilizationWindowSeconds'),
    selectPolicy: field(r, 'selectPolicy'),
    policies: Array.isArray(policies)
      ? policies.map((p: Obj) => compact({ type: field(p, 'type'), value: field(p, 'value'), periodSeconds: field(p, 'periodSeconds') }))
      : undefined,
    tolerance: field(r, 'tolerance'),
  });
}

function parseAnnotation(annotations: Obj, key: string): any {
  try {
    return JSON.parse(annotations[key]);
  } catch (err) {
    throw new ConversionError(`annotation ${key}: ${(err as Error).message}`);
  }
}

function conditionToV1(c: Obj): Obj {
  return compact({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message });
}

export function hpaV2ToV1(v2: Obj): Obj {
  const spec: Obj = v2.spec ?? {};
  const status: Obj = v2.status ?? {};
  const metrics: Obj[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  const cpu = metrics.find((m) => m?.type === 'Resource' && m.resource?.name === 'cpu');
  const others = metrics.filter((m) => !isCpuUtilizationSpec(m));
  const currentMetrics: Obj[] = Array.isArray(status.currentMetrics) ? status.currentMetrics : [];
  const currentCpu = currentMetrics.filter((m) => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.current?.averageUtilization != null).pop();
  const conditions: Obj[] = Array.isArray(status.conditions) ? status.conditions : [];

  const metadata = dropRoundTripAnnotations(v2.metadata);
  const extra: Obj = {};
  if (others.length) extra[METRICS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  if (currentMetrics.length) extra[CURRENT_METRICS_ANNOTATION] = JSON.stringify(currentMetrics.map(metricStatusToV1));
  if (spec.behavior) extra[BEHAVIOR_ANNOTATION] = behaviorToAnnotation(spec.behavior);
  if (conditions.length) extra[CONDITIONS_ANNOTATION] = JSON.stringify(conditions.map(conditionToV1));
  if (Object.keys(extra).length) metadata.annotations = { ...(metadata.annotations ?? {}), ...extra };

  return {
    ...v2,
    apiVersion: V1,
    metadata,
    spec: compact({
      scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas,
      targetCPUUtilizationPercentage: cpu?.resource?.target?.averageUtilization ?? undefined,
    }),
    status: compact({
      observedGeneration: status.observedGeneration, lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0, desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: currentCpu?.resource?.current?.averageUtilization,
    }),
  };
}

export function hpaV1ToV2(v1: Obj): Obj {
  const spec: Obj = v1.spec ?? {};
  const status: Obj = v1.status ?? {};
  const annotations: Obj = v1.metadata?.annotations ?? {};

  const cpu = spec.targetCPUUtilizationPercentage != null
    ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } }] : [];
  let metrics: Obj[] = cpu;
  if (annotations[METRICS_ANNOTATION] !== undefined) {
    const others = parseAnnotation(annotations, METRICS_ANNOTATION);
    // The cpu target, when there is one, comes after the others (as upstream orders them).
    metrics = [...(Array.isArray(others) ? others.map(metricSpecFromV1) : []), ...cpu];
  }
  if (metrics.length === 0) {
    metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_PERCENT } } }];
  }
  const behavior = annotations[BEHAVIOR_ANNOTATION] !== undefined ? parseAnnotation(annotations, BEHAVIOR_ANNOTATION) : undefined;

  let currentMetrics: Obj[] | undefined = status.currentCPUUtilizationPercentage != null
    ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }] : undefined;
  if (annotations[CURRENT_METRICS_ANNOTATION] !== undefined) {
    // The annotation holds every current metric, with more than the percentage alone.
    const all = parseAnnotation(annotations, CURRENT_METRICS_ANNOTATION);
    currentMetrics = Array.isArray(all) ? all.map(metricStatusFromV1) : undefined;
  }
  let conditions: Obj[] | undefined;
  if (annotations[CONDITIONS_ANNOTATION] !== undefined) {
    const parsed = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
    conditions = Array.isArray(parsed) ? parsed.map(conditionToV1) : undefined;
  }

  return {
    ...v1,
    apiVersion: V2,
    metadata: dropRoundTripAnnotations(v1.metadata),
    spec: compact({
      scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, metrics,
      behavior: behavior && typeof behavior === 'object'
        ? compact({ scaleUp: rulesFromAnnotation(field(behavior, 'scaleUp')), scaleDown: rulesFromAnnotation(field(behavior, 'scaleDown')) }) : undefined,
    }),
    status: compact({
      observedGeneration: status.observedGeneration, lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas, desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics: currentMetrics?.length ? currentMetrics : undefined, conditions: conditions?.length ? conditions : undefined,
    }),
  };
}

/**
 * An HPA in any served version, converted to apiVersion. Converting to v2
 * (also from v2) drops the round-trip annotations, as upstream does.
 */
export function convertHPA(obj: Obj, apiVersion: string): Obj {
  const from = obj?.apiVersion === V1 ? V1 : V2;
  if (apiVersion === V1) return from === V1 ? obj : hpaV2ToV1(obj);
  if (from === V1) return hpaV1ToV2(obj);
  const metadata = obj.metadata;
  const cleaned = dropRoundTripAnnotations(metadata);
  return metadata?.annotations === cleaned.annotations ? obj : { ...obj, metadata: cleaned };
}
