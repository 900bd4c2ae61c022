// autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscalers, as upstream
// converts them: v1's targetCPUUtilizationPercentage is a cpu Utilization
// Resource metric; v1's currentCPUUtilizationPercentage is the cpu
// metric's current averageUtilization; v2's conditions (which v1 has no
// field for) travel in the `autoscaling.alpha.kubernetes.io/conditions`
// annotation. The apiserver stores an HPA in the version it was written
// in (it does not convert yet), so the controller reads both shapes and
// writes status back in the shape it found.

export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const DEFAULT_CPU_PERCENT = 80;

/** A stored v1-shaped object: written through autoscaling/v1. */
export function isV1Shaped(hpa: any): boolean {
  return hpa?.apiVersion === 'autoscaling/v1' || (!Array.isArray(hpa?.spec?.metrics) && hpa?.spec?.targetCPUUtilizationPercentage !== undefined);
}

export function hpaV1ToV2(v1: any): any {
  const { targetCPUUtilizationPercentage, ...spec } = v1.spec ?? {};
  const percent = targetCPUUtilizationPercentage ?? DEFAULT_CPU_PERCENT;
  const { currentCPUUtilizationPercentage, ...status } = v1.status ?? {};
  const annotations = { ...(v1.metadata?.annotations ?? {}) };
  let conditions: any[] | undefined;
  if (annotations[CONDITIONS_ANNOTATION]) {
    try {
      conditions = JSON.parse(annotations[CONDITIONS_ANNOTATION]);
    } catch {
      conditions = undefined; // an unreadable annotation carries no conditions
    }
    delete annotations[CONDITIONS_ANNOTATION];
  }
  return {
    ...v1, apiVersion: 'autoscaling/v2',
    metadata: { ...v1.metadata, ...(Object.keys(annotations).length ? { annotations } : { annotations: undefined }) },
    spec: { ...spec, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } }] },
    status: {
      ...status,
      ...(currentCPUUtilizationPercentage !== undefined
        ? { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: currentCPUUtilizationPercentage } } }] } : {}),
      ...(conditions ? { conditions } : {}),
    },
  };
}

export function hpaV2ToV1(v2: any): any {
  const { metrics, behavior: _behavior, ...spec } = v2.spec ?? {};
  const cpu = (metrics ?? []).find((m: any) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization');
  const { currentMetrics, conditions, ...status } = v2.status ?? {};
  const current = (currentMetrics ?? []).find((m: any) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current?.averageUtilization;
  const annotations = { ...(v2.metadata?.annotations ?? {}) };
  if (conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conditions);
  return {
    ...v2, apiVersion: 'autoscaling/v1',
    metadata: { ...v2.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: { ...spec, ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}) },
    status: { ...status, ...(current !== undefined ? { currentCPUUtilizationPercentage: current } : {}) },
  };
}
