// Discovery for metrics.k8s.io/v1beta1, which is served beside the built-in
// resources (upstream serves it through metrics-server behind an
// APIService; kubectl top looks for it in discovery before calling it).

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const GV = `${METRICS_GROUP}/${METRICS_VERSION}`;

const RESOURCES = [
  { name: 'nodes', kind: 'NodeMetrics', namespaced: false },
  { name: 'pods', kind: 'PodMetrics', namespaced: true },
] as const;
const VERBS = ['get', 'list'];

export function metricsGroup(): object {
  const v = { groupVersion: GV, version: METRICS_VERSION };
  return { name: METRICS_GROUP, versions: [v], preferredVersion: v };
}

export function metricsResourceList(): object {
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GV,
    resources: RESOURCES.map((r) => ({ name: r.name, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: VERBS })),
  };
}

/** The group's entry in the aggregated discovery list of /apis. */
export function metricsAggregated(): object {
  return {
    metadata: { name: METRICS_GROUP, creationTimestamp: null },
    versions: [{
      version: METRICS_VERSION,
      resources: RESOURCES.map((r) => ({
        resource: r.name, responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: '', verbs: VERBS,
      })),
      freshness: 'Current',
    }],
  };
}
