// HPA status helpers: conditions that keep their lastTransitionTime while
// their status holds (upstream's setConditionInList), and quantities as
// upstream's resource.NewMilliQuantity prints them.
import { formatQuantity } from '../../machinery/quantity.ts';

export type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

export function setCondition(hpa: any, type: ConditionType, status: 'True' | 'False', reason: string, message: string, now: Date): void {
  hpa.status ??= {};
  const list: any[] = (hpa.status.conditions ??= []);
  let cond = list.find((c) => c.type === type);
  if (!cond) list.push((cond = { type, status, lastTransitionTime: stamp(now) }));
  if (cond.status !== status) cond.lastTransitionTime = stamp(now);
  cond.status = status;
  cond.reason = reason;
  cond.message = message;
}

export function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function milliQuantity(milli: number): string {
  return formatQuantity({ nanos: BigInt(Math.trunc(milli)) * 1_000_000n, format: 'DecimalSI' });
}

/** Upstream's setStatus: replicas and metrics; lastScaleTime moves only on a rescale (upstream leaves observedGeneration unset). */
export function setStatus(hpa: any, current: number, desired: number, metrics: any[], rescaled: boolean, now: Date): void {
  const prev = hpa.status ?? {};
  hpa.status = {
    ...(rescaled ? { lastScaleTime: stamp(now) } : prev.lastScaleTime ? { lastScaleTime: prev.lastScaleTime } : {}),
    currentReplicas: current,
    desiredReplicas: desired,
    ...(metrics.length ? { currentMetrics: metrics } : {}),
    ...(prev.conditions ? { conditions: prev.conditions } : {}),
  };
}
