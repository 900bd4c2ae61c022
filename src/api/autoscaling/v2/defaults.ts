// Upstream's defaulting for autoscaling/v2 HorizontalPodAutoscalers.

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scaleUpRules(): Obj {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

function scaleDownRules(): Obj {
  return { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

/** Fills the unset parts of user-given scaling rules from the defaults. */
function mergeRules(given: unknown, defaults: Obj): Obj {
  if (!isObj(given)) return defaults;
  const out = { ...defaults };
  for (const k of Object.keys(given)) if (given[k] != null) out[k] = given[k];
  return out;
}

export function defaultHPAv2(hpa: Obj): void {
  if (!isObj(hpa.spec)) hpa.spec = {};
  const spec = hpa.spec;
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = mergeRules(spec.behavior.scaleUp, scaleUpRules());
    spec.behavior.scaleDown = mergeRules(spec.behavior.scaleDown, scaleDownRules());
  }
}
