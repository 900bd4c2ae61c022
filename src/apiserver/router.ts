// Routes one request: authentication, then non-resource endpoints (health,
// version, discovery, OpenAPI) or a resource verb. Errors become Status.
import { storageResource } from './registry/versions.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findResource, RESOURCES } from '../api/resources.ts';
import type { ResourceInfo } from '../api/resources.ts';
import { newMethodNotSupported, newNotAcceptable, newForbidden, StatusError } from '../machinery/errors.ts';
import { versionInfo } from '../version.ts';
import { negotiate, writeError, writeJson } from './codec.ts';
import { parseRequestInfo } from './request-info.ts';
import type { RequestContext, ServerServices } from './handlers/context.ts';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from './discovery.ts';
import { handleGet, handleList } from './handlers/read.ts';
import { handleCreate, handleUpdate } from './handlers/write.ts';
import { handleDelete, handleDeleteCollection } from './handlers/delete.ts';
import { handlePatch } from './handlers/patch.ts';
import { handleWatch } from './handlers/watch.ts';
import { handleReview } from './handlers/reviews.ts';
import { handleScale } from './handlers/scale.ts';
import { handleBinding, handleEviction } from './handlers/pod-subresources.ts';
import { handlePodLog } from './handlers/pod-log.ts';
import type { KubeletClientConfig } from './handlers/pod-log.ts';
import { handlePodStream } from './handlers/pod-stream.ts';
import { handleTokenRequest } from './handlers/token-request.ts';
import type { Authenticator } from './authn/index.ts';
import { unauthorizedStatus } from './authn/index.ts';
import { authorize } from './authz/index.ts';
import { serveOpenApi } from './openapi-http.ts';
import { isJoinPath } from './join.ts';
import type { JoinHandler } from './join.ts';
import { METRICS_GROUP, serveMetrics } from './metrics/index.ts';

export interface RouteDeps {
  services: ServerServices;
  authenticator: Authenticator;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  port: () => number;
  /** The apiserver's client certificate for kubelets (pods/log). */
  kubeletClient?: KubeletClientConfig;
  /** /cacerts and /v1-k8ts/join for agents, which authenticate with the join token (k8ts agent). */
  join?: JoinHandler;
}

const HEALTH = new Set(['/healthz', '/livez', '/readyz']);

// The served resources never change; a scan of the table per request showed in profiles.
const served = new Map<string, ResourceInfo>();
function lookupResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  const key = `${group}/${version}/${resource}`;
  let info = served.get(key);
  if (info === undefined) {
    info = findResource(group, version, resource);
    if (info) served.set(key, info);
  }
  return info;
}

export async function route(req: IncomingMessage, res: ServerResponse, deps: RouteDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const query = url.searchParams;

  if (HEALTH.has(path) || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) {
    return health(res, path, query);
  }
  if (deps.join && isJoinPath(path)) return deps.join.handle(req, res, path, deps.services);
  const user = deps.authenticator.authenticate(req);
  if (!user) {
    writeJson(res, 401, unauthorizedStatus());
    return;
  }
  const info = parseRequestInfo(req.method ?? 'GET', path, query);
  const decision = authorize(user, info);
  if (!decision.allowed) {
    const what = info.isResourceRequest
      ? `User "${user.username}" cannot ${info.verb} resource "${info.resource}" in API group "${info.apiGroup}"${info.namespace ? ` in the namespace "${info.namespace}"` : ' at the cluster scope'}`
      : `User "${user.username}" cannot ${info.verb} path "${path}"`;
    throw info.isResourceRequest
      ? newForbidden({ group: info.apiGroup, resource: info.resource }, info.name, what)
      : new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `forbidden: ${what}`, reason: 'Forbidden', details: {}, code: 403 });
  }

  if (!info.isResourceRequest) return nonResource(req, res, path, query, deps);
  if (info.apiGroup === METRICS_GROUP) {
    return serveMetrics({ req, res, info, query, services: deps.services, kubelet: deps.kubeletClient, log: deps.log });
  }

  const resource = lookupResource(info.apiGroup, info.apiVersion, info.resource);
  if (!resource) throw notFoundPath();
  const output = negotiate(req.headers.accept, query);
  if (!output) throw newNotAcceptable(['application/json', 'application/yaml', 'application/json;as=Table;v=v1;g=meta.k8s.io']);
  const ctx: RequestContext = {
    req, res, query, info, user, resource, store: deps.services.storeFor(storageResource(resource)), output, services: deps.services, warnings: [],
  };
  if (resource.virtual) return handleReview(ctx);
  if (info.subresource !== '') return subresource(ctx, deps);
  if (!(resource.verbs as readonly string[]).includes(info.verb)) throw newMethodNotSupported(ctx.store.qualified, info.verb);
  switch (info.verb) {
    case 'get': return handleGet(ctx);
    case 'list': return handleList(ctx);
    case 'watch': return handleWatch(ctx);
    case 'create': return handleCreate(ctx);
    case 'update': return handleUpdate(ctx);
    case 'patch': return handlePatch(ctx);
    case 'delete': return handleDelete(ctx);
    case 'deletecollection': return handleDeleteCollection(ctx);
    default: throw newMethodNotSupported(ctx.store.qualified, info.verb);
  }
}

function notFoundPath(): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
}

async function subresource(ctx: RequestContext, deps: RouteDeps): Promise<void> {
  const { info, resource } = ctx;
  const sub = info.subresource;
  if (!(resource.subresources as readonly string[] | undefined)?.includes(sub)) throw notFoundPath();
  if (sub === 'status' || (sub === 'finalize' && info.verb === 'update')) {
    if (info.verb === 'get') return handleGet(ctx);
    if (info.verb === 'update') return handleUpdate(ctx);
    if (info.verb === 'patch') return handlePatch(ctx);
    throw newMethodNotSupported(ctx.store.qualified, info.verb);
  }
  if (sub === 'scale') return handleScale(ctx);
  if (sub === 'binding' && info.verb === 'create') return handleBinding(ctx);
  if (sub === 'eviction' && info.verb === 'create') return handleEviction(ctx);
  if (sub === 'token' && resource.resource === 'serviceaccounts') return handleTokenRequest(ctx);
  if (sub === 'log' && resource.resource === 'pods') return handlePodLog(ctx, deps.kubeletClient);
  if (['exec', 'attach', 'portforward'].includes(sub) && resource.resource === 'pods') return handlePodStream(ctx, deps.kubeletClient);
  if (sub === 'proxy') {
    const pod = await ctx.store.get(info.namespace, info.name);
    const node = pod.spec?.nodeName;
    throw new StatusError({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 400, reason: 'BadRequest', details: {},
      message: node ? `the kubelet on node "${node}" does not serve ${sub} yet` : `pod ${info.name} does not have a host assigned`,
    });
  }
  throw newMethodNotSupported(ctx.store.qualified, info.verb);
}

function health(res: ServerResponse, path: string, query: URLSearchParams): void {
  const checks = ['ping', 'log', 'etcd', 'poststarthook/start-apiextensions-informers', 'poststarthook/bootstrap-controller'];
  if (query.has('verbose')) {
    const lines = checks.map((c) => `[+]${c} ok`);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(`${lines.join('\n')}\n${path.slice(1).split('/')[0]} check passed\n`);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end('ok');
}

async function nonResource(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, deps: RouteDeps): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw newMethodNotSupported({ group: '', resource: '' }, req.method ?? '');
  if (path === '/version') return writeJson(res, 200, versionInfo());
  if (path.startsWith('/openapi/')) return serveOpenApi(req, res, path, query);
  const aggregated = wantsAggregated(req.headers.accept);
  if (path === '/api' || path === '/apis') {
    if (aggregated) {
      const body = aggregatedDiscovery(path === '/api', aggregated);
      return writeJson(res, 200, body, { 'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList` });
    }
    return writeJson(res, 200, path === '/api' ? apiVersions(`${req.socket.localAddress}:${deps.port()}`) : apiGroupList());
  }
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts.length === 2) {
    const doc = apiResourceList('', parts[1]);
    if (doc) return writeJson(res, 200, doc);
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    const doc = apiGroup(parts[1]);
    if (doc) return writeJson(res, 200, doc);
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    const doc = apiResourceList(parts[1], parts[2]);
    if (doc) return writeJson(res, 200, doc);
  }
  if (path === '/') return writeJson(res, 200, rootPaths());
  writeError(res, notFoundPath());
}

function rootPaths(): { paths: string[] } {
  const paths = ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version'];
  for (const g of new Set(RESOURCES.filter((r) => r.group !== '').map((r) => r.group))) paths.push(`/apis/${g}`);
  for (const r of RESOURCES) if (r.group !== '') paths.push(`/apis/${r.group}/${r.version}`);
  return { paths: [...new Set(paths)].sort() };
}
