// The metrics.k8s.io/v1beta1 endpoints (get and list of NodeMetrics and
// PodMetrics, with label and field selectors; read-only), computed on
// request from the kubelets' Summaries of the nodes involved: a namespace's
// pods need only the nodes those pods run on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESOURCES } from '../../api/resources.ts';
import { newMethodNotSupported, newNotFound, StatusError } from '../../machinery/errors.ts';
import { formatQuantity } from '../../machinery/quantity.ts';
import { stringify as toYaml } from 'yaml';
import { negotiate, writeJson } from '../codec.ts';
import { metricsTable } from './table.ts';
import type { RequestInfo } from '../request-info.ts';
import type { ServerServices } from '../handlers/context.ts';
import type { KubeletClientConfig } from '../handlers/pod-log.ts';
import { compileFilter } from '../registry/filter.ts';
import { Scraper } from './scraper.ts';
import type { NodeSummary, PodSample, Usage } from './summary.ts';
import { METRICS_GROUP, METRICS_VERSION } from './discovery.ts';

const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;
const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

export interface MetricsRequest {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  query: URLSearchParams;
  services: ServerServices;
  kubelet?: KubeletClientConfig;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Where Summaries come from; one per apiserver, so that scrapes and connections are shared. */
export interface SummarySource {
  summaries(nodes: any[], log?: MetricsRequest['log']): Promise<Map<string, NodeSummary>>;
}

const scrapers = new WeakMap<ServerServices, Scraper>();

function sourceFor(m: MetricsRequest): SummarySource {
  let s = scrapers.get(m.services);
  if (!s) scrapers.set(m.services, (s = new Scraper({ kubelet: m.kubelet, now: () => m.services.now() })));
  return s;
}

export function usageQuantities(u: Usage): { cpu: string; memory: string } {
  return {
    cpu: formatQuantity({ nanos: BigInt(Math.round(u.cpuNanoCores)), format: 'DecimalSI' }),
    memory: formatQuantity({ nanos: BigInt(Math.round(u.memoryBytes)) * 1_000_000_000n, format: 'BinarySI' }),
  };
}

function window(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function nodeMetrics(node: any, s: NonNullable<NodeSummary['node']>, now: Date): object {
  return {
    kind: 'NodeMetrics', apiVersion: API_VERSION,
    metadata: { name: node.metadata.name, creationTimestamp: stamp(now), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
    timestamp: s.timestamp, window: window(s.windowSeconds), usage: usageQuantities(s),
  };
}

export function podMetrics(pod: any, s: PodSample, now: Date): object {
  return {
    kind: 'PodMetrics', apiVersion: API_VERSION,
    metadata: {
      name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: stamp(now),
      ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
    },
    timestamp: s.timestamp, window: window(s.windowSeconds),
    containers: s.containers.map((c) => ({ name: c.name, usage: usageQuantities(c) })),
  };
}

/** NodeMetrics of the given nodes, in their order; nodes without a usable sample are left out. */
export async function collectNodeMetrics(nodes: any[], source: SummarySource, now: Date, log?: MetricsRequest['log']): Promise<object[]> {
  const summaries = await source.summaries(nodes, log);
  const out: object[] = [];
  for (const n of nodes) {
    const s = summaries.get(n.metadata.name)?.node;
    if (s) out.push(nodeMetrics(n, s, now));
  }
  return out;
}

/** PodMetrics of the given pods, scraping only the nodes they run on. */
export async function collectPodMetrics(pods: any[], nodeByName: (name: string) => any, source: SummarySource, now: Date, log?: MetricsRequest['log']): Promise<object[]> {
  const nodes = new Map<string, any>();
  for (const p of pods) {
    const name = p.spec?.nodeName;
    if (!name || nodes.has(name)) continue;
    const node = nodeByName(name);
    if (node) nodes.set(name, node);
  }
  const summaries = await source.summaries([...nodes.values()], log);
  const out: object[] = [];
  for (const p of pods) {
    const s = summaries.get(p.spec?.nodeName)?.pods.find((x) => x.namespace === p.metadata.namespace && x.name === p.metadata.name && (!x.uid || x.uid === p.metadata.uid));
    if (s) out.push(podMetrics(p, s, now));
  }
  return out;
}

/** Writes an object or list as the client asked: JSON, YAML, or a Table for kubectl get. */
function respond(m: MetricsRequest, body: any): void {
  const out = negotiate(m.req.headers.accept, m.query) ?? { format: 'json' };
  if (out.format === 'table') return writeJson(m.res, 200, metricsTable(body.items ?? [body], out.includeObject));
  if (out.format === 'yaml') {
    m.res.writeHead(200, { 'Content-Type': 'application/yaml', 'Cache-Control': 'no-cache, private' });
    m.res.end(toYaml(body));
    return;
  }
  writeJson(m.res, 200, body);
}

export async function serveMetrics(m: MetricsRequest, source: SummarySource = sourceFor(m)): Promise<void> {
  const { info, query, services } = m;
  const kind = info.resource === 'nodes' ? 'NodeMetrics' : info.resource === 'pods' ? 'PodMetrics' : '';
  const qualified = { group: METRICS_GROUP, resource: info.resource === 'nodes' ? 'nodemetrics' : 'podmetrics' };
  if (info.apiVersion !== METRICS_VERSION || !kind || info.subresource !== '' || (kind === 'NodeMetrics' && info.namespace)) {
    throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
  }
  if (info.verb !== 'get' && info.verb !== 'list') throw newMethodNotSupported({ group: METRICS_GROUP, resource: info.resource }, info.verb);
  await services.syncCache();
  const now = services.now();
  const nodeStore = services.storeFor(NODES);
  const nodeByName = (name: string) => services.cacheFor(NODES).objects.get(nodeStore.keyFor('', name));
  if (kind === 'NodeMetrics') {
    const filter = compileFilter(NODES, query.get('labelSelector'), query.get('fieldSelector'));
    const nodes = info.verb === 'get' ? [nodeByName(info.name)].filter(Boolean) : nodeStore.listFromCache('', filter).items;
    const items = await collectNodeMetrics(nodes, source, now, m.log);
    if (info.verb === 'get') {
      if (items.length === 0) throw newNotFound(qualified, info.name);
      return respond(m, items[0]);
    }
    return respond(m, { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items });
  }
  const podStore = services.storeFor(PODS);
  let pods: any[];
  if (info.verb === 'get') {
    const pod = services.cacheFor(PODS).objects.get(podStore.keyFor(info.namespace, info.name));
    pods = pod ? [pod] : [];
  } else {
    pods = podStore.listFromCache(info.namespace, compileFilter(PODS, query.get('labelSelector'), query.get('fieldSelector'))).items;
  }
  const items = await collectPodMetrics(pods, nodeByName, source, now, m.log);
  if (info.verb === 'get') {
    if (items.length === 0) throw newNotFound(qualified, `${info.namespace}/${info.name}`);
    return respond(m, items[0]);
  }
  return respond(m, { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items });
}
