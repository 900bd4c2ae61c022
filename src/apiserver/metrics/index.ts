// metrics.k8s.io/v1beta1, served by the apiserver from the kubelets' Summary API.
export { serveMetrics, collectNodeMetrics, collectPodMetrics, usageQuantities } from './handler.ts';
export type { MetricsRequest, SummarySource } from './handler.ts';
export { METRICS_GROUP, METRICS_VERSION, metricsGroup, metricsResourceList, metricsAggregated } from './discovery.ts';
export { Scraper, HOLLOW_KUBELET_ADDRESS } from './scraper.ts';
export { parseSummary, CounterMemory } from './summary.ts';
export type { NodeSummary, PodSample, Sample, Usage } from './summary.ts';
