// The HorizontalPodAutoscaler printer, with kube-apiserver's TARGETS cell:
// "<metric>: <current>/<target>" per metric, at most two, then "+ N more...".
import { AGE, NAME, col, created, name } from './columns.ts';
import type { Printer } from './columns.ts';

const UNKNOWN = '<unknown>';
const SHOWN_METRICS = 2;

function resourceTarget(name: string, target: any, current: any): string {
  if (target?.averageValue !== undefined) return `${name}: ${current?.averageValue ?? UNKNOWN}/${target.averageValue}`;
  const cur = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : UNKNOWN;
  const want = target?.averageUtilization !== undefined ? `${target.averageUtilization}%` : '<auto>';
  return `${name}: ${cur}/${want}`;
}

function valueTarget(target: any, current: any): string {
  if (target?.averageValue !== undefined) return `${current?.averageValue ?? UNKNOWN}/${target.averageValue} (avg)`;
  return `${current?.value ?? UNKNOWN}/${target?.value}`;
}

/** One cell per metric of an autoscaling/v2 spec, matched to the status entry at the same index. */
function metricCell(spec: any, status: any): string {
  switch (spec?.type) {
    case 'Resource': return resourceTarget(spec.resource?.name, spec.resource?.target, status?.resource?.current);
    case 'ContainerResource': return resourceTarget(spec.containerResource?.name, spec.containerResource?.target, status?.containerResource?.current);
    case 'Pods': return `${status?.pods?.current?.averageValue ?? UNKNOWN}/${spec.pods?.target?.averageValue}`;
    case 'Object': return valueTarget(spec.object?.target, status?.object?.current);
    case 'External': return valueTarget(spec.external?.target, status?.external?.current);
    default: return '<unknown type>';
  }
}

export function hpaTargets(hpa: any): string {
  let specs: any[] = hpa.spec?.metrics ?? [];
  let statuses: any[] = hpa.status?.currentMetrics ?? [];
  // An autoscaling/v1 object carries its one CPU target in flat fields.
  if (hpa.spec?.targetCPUUtilizationPercentage !== undefined) {
    specs = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: hpa.spec.targetCPUUtilizationPercentage } } }];
    const cur = hpa.status?.currentCPUUtilizationPercentage;
    statuses = cur === undefined ? [] : [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cur } } }];
  }
  if (specs.length === 0) return '<none>';
  const cells = specs.map((s, i) => metricCell(s, statuses[i]));
  const shown = cells.slice(0, SHOWN_METRICS).join(', ');
  return cells.length > SHOWN_METRICS ? `${shown} + ${cells.length - SHOWN_METRICS} more...` : shown;
}

export const AUTOSCALING_PRINTERS: Record<string, Printer> = {
  'autoscaling/HorizontalPodAutoscaler': {
    columns: [NAME, col('Reference', 'The reference to the object the autoscaler scales'), col('Targets', 'The current and target values of the metrics'),
      col('MinPods', 'The lower limit for the number of pods'), col('MaxPods', 'The upper limit for the number of pods', 'integer'),
      col('Replicas', 'The current number of pods', 'integer'), AGE],
    row: (o, now) => [name(o), `${o.spec?.scaleTargetRef?.kind ?? ''}/${o.spec?.scaleTargetRef?.name ?? ''}`, hpaTargets(o),
      o.spec?.minReplicas !== undefined ? String(o.spec.minReplicas) : '<unset>', o.spec?.maxReplicas ?? 0, o.status?.currentReplicas ?? 0, created(o, now)],
  },
};
