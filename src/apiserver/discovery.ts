// Discovery documents, built once from the resource table: the legacy
// /api, /apis, /apis/<group>, /apis/<group>/<version> forms and the
// aggregated discovery v2 lists that kubectl 1.26+ asks for first.
import { RESOURCES, groupVersions, apiVersionOf } from '../api/resources.ts';
import type { ResourceInfo, Subresource } from '../api/resources.ts';
import { METRICS_GROUP, metricsAggregated, metricsGroup, metricsResourceList } from './metrics/index.ts';

type SubresourceShape = { verbs: string[]; kind: string; group?: string; version?: string };

const SUBRESOURCES: Record<Subresource, SubresourceShape> = {
  status: { verbs: ['get', 'patch', 'update'], kind: '' },
  scale: { verbs: ['get', 'patch', 'update'], kind: 'Scale', group: 'autoscaling', version: 'v1' },
  binding: { verbs: ['create'], kind: 'Binding' },
  eviction: { verbs: ['create'], kind: 'Eviction', group: 'policy', version: 'v1' },
  log: { verbs: ['get'], kind: 'Pod' },
  exec: { verbs: ['create', 'get'], kind: 'PodExecOptions' },
  attach: { verbs: ['create', 'get'], kind: 'PodAttachOptions' },
  portforward: { verbs: ['create', 'get'], kind: 'PodPortForwardOptions' },
  proxy: { verbs: ['create', 'delete', 'get', 'patch', 'update'], kind: '' },
  finalize: { verbs: ['update'], kind: 'Namespace' },
  ephemeralcontainers: { verbs: ['get', 'patch', 'update'], kind: 'Pod' },
  resize: { verbs: ['get', 'patch', 'update'], kind: 'Pod' },
  token: { verbs: ['create'], kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1' },
};

function subKind(r: ResourceInfo, s: Subresource): { group: string; version: string; kind: string } {
  const shape = SUBRESOURCES[s];
  const kind = shape.kind === '' ? (s === 'proxy' ? `${r.kind}ProxyOptions` : r.kind) : shape.kind;
  return { group: shape.group ?? r.group, version: shape.version ?? r.version, kind };
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupDoc(group: string, versions: string[]): object {
  const gvs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(): object {
  const groups = [...groupVersions().filter((g) => g.group !== '').map((g) => groupDoc(g.group, g.versions)), metricsGroup()];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(group: string): object | null {
  if (group === METRICS_GROUP) return { kind: 'APIGroup', apiVersion: 'v1', ...metricsGroup() };
  const g = groupVersions().find((x) => x.group === group && group !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g.group, g.versions) } : null;
}

export function apiResourceList(group: string, version: string): object | null {
  if (group === METRICS_GROUP) return version === 'v1beta1' ? metricsResourceList() : null;
  const rows = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (rows.length === 0) return null;
  const resources: object[] = [];
  for (const r of rows) {
    resources.push({
      name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}), ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources ?? []) {
      const k = subKind(r, s);
      resources.push({
        name: `${r.resource}/${s}`, singularName: '', namespaced: r.namespaced, kind: k.kind, verbs: SUBRESOURCES[s].verbs,
        ...(k.group !== r.group || k.version !== r.version ? { group: k.group, version: k.version } : {}),
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

function discoveryResource(r: ResourceInfo): object {
  return {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
    ...(r.subresources ? {
      subresources: r.subresources.map((s) => ({ subresource: s, responseKind: subKind(r, s), verbs: SUBRESOURCES[s].verbs })),
    } : {}),
  };
}

/** The aggregated discovery document for /api (legacy) or /apis (named groups). */
export function aggregatedDiscovery(legacy: boolean, apiVersion: 'v2' | 'v2beta1'): object {
  const items = groupVersions()
    .filter((g) => (g.group === '') === legacy)
    .map((g) => ({
      metadata: legacy ? { creationTimestamp: null } : { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: RESOURCES.filter((r) => r.group === g.group && r.version === v).map(discoveryResource),
        freshness: 'Current',
      })),
    }));
  if (!legacy) items.push(metricsAggregated() as (typeof items)[number]);
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${apiVersion}`, metadata: {}, items };
}

/** Which aggregated discovery form the Accept header asks for, if any. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | null {
  if (!accept) return null;
  for (const range of accept.split(',')) {
    const p = range.split(';').map((s) => s.trim());
    if (p.includes('g=apidiscovery.k8s.io') && p.includes('as=APIGroupDiscoveryList')) {
      if (p.includes('v=v2')) return 'v2';
      if (p.includes('v=v2beta1')) return 'v2beta1';
    }
    if (p[0] === 'application/json' && p.length === 1) return null;
  }
  return null;
}
