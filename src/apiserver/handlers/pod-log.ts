// pods/log: validates the PodLogOptions, picks the container, and streams
// the log from the kubelet on the pod's node (https://<InternalIP>:<port>
// /containerLogs/<ns>/<pod>/<container>), authenticating with the
// apiserver's kubelet-client certificate. The kubelet's errors come back as
// Status the way upstream's GenericHttpResponseChecker maps them.
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { RESOURCES } from '../../api/resources.ts';
import { newBadRequest, newInternalError, newInvalid, newMethodNotSupported, StatusError } from '../../machinery/errors.ts';
import type { FieldErrorLike } from '../../machinery/errors.ts';
import type { RequestContext } from './context.ts';

export interface KubeletClientConfig {
  certPem: string;
  keyPem: string;
  /** Verifies the kubelets' serving certificates; without it they are not verified (upstream's default). */
  caPem?: string;
  /** How long to wait for the kubelet to accept the connection. */
  connectTimeoutMs?: number;
}

const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;

function int(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw newBadRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** A boolean query parameter, parsed as Go's strconv.ParseBool (upstream's message on bad input). */
export function queryBool(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  if (v === null || v === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw newBadRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** The query the kubelet gets: the validated PodLogOptions, re-encoded as upstream's LogLocation does. */
export function kubeletLogQuery(q: URLSearchParams, name: string): URLSearchParams {
  const tailLines = int(q, 'tailLines');
  const limitBytes = int(q, 'limitBytes');
  const sinceSeconds = int(q, 'sinceSeconds');
  const sinceTime = q.get('sinceTime') || undefined;
  if (sinceTime !== undefined && Number.isNaN(Date.parse(sinceTime))) throw newBadRequest(`parsing time ${JSON.stringify(sinceTime)} as RFC3339: cannot parse`);
  const errs: FieldErrorLike[] = [];
  if (tailLines !== undefined && tailLines < 0) errs.push({ type: 'FieldValueInvalid', field: 'tailLines', badValue: tailLines, detail: 'must be greater than or equal to 0' });
  if (limitBytes !== undefined && limitBytes < 1) errs.push({ type: 'FieldValueInvalid', field: 'limitBytes', badValue: limitBytes, detail: 'must be greater than 0' });
  if (sinceSeconds !== undefined && sinceTime !== undefined) errs.push({ type: 'FieldValueForbidden', field: '', detail: 'at most one of `sinceTime` or `sinceSeconds` may be specified' });
  else if (sinceSeconds !== undefined && sinceSeconds < 1) errs.push({ type: 'FieldValueInvalid', field: 'sinceSeconds', badValue: sinceSeconds, detail: 'must be greater than 0' });
  if (errs.length) throw newInvalid({ group: '', kind: 'PodLogOptions' }, name, errs);
  const out = new URLSearchParams();
  if (queryBool(q, 'follow')) out.set('follow', 'true');
  if (queryBool(q, 'previous')) out.set('previous', 'true');
  if (queryBool(q, 'timestamps')) out.set('timestamps', 'true');
  if (sinceSeconds !== undefined) out.set('sinceSeconds', String(sinceSeconds));
  if (sinceTime !== undefined) out.set('sinceTime', new Date(sinceTime).toISOString().replace(/\.\d+Z$/, 'Z'));
  if (tailLines !== undefined) out.set('tailLines', String(tailLines));
  if (limitBytes !== undefined) out.set('limitBytes', String(limitBytes));
  return out;
}

/** Upstream's validateContainer: the named container must exist; no name is fine only for a one-container pod. */
export function chooseContainer(pod: any, container: string): string {
  const name = pod.metadata.name;
  const spec = pod.spec ?? {};
  const all: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  if (!container) {
    const containers: any[] = spec.containers ?? [];
    if (containers.length === 1) return containers[0].name;
    if (containers.length === 0) throw newBadRequest(`a container name must be specified for pod ${name}`);
    throw newBadRequest(`a container name must be specified for pod ${name}, choose one of: [${all.map((c) => c.name).join(' ')}]`);
  }
  if (!all.some((c) => c.name === container)) throw newBadRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** The kubelet's address: the node's InternalIP (else its first address) and daemonEndpoints' port. */
export function kubeletEndpoint(node: any): { host: string; port: number } | undefined {
  const addrs: any[] = node.status?.addresses ?? [];
  const host = (addrs.find((a) => a.type === 'InternalIP') ?? addrs[0])?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250;
  return host ? { host, port } : undefined;
}

/**
 * The kubelet that serves `what` (logs, exec, …) for pods on a node: its
 * address, or a 400 that says why there is none to reach.
 */
export async function nodeKubelet(ctx: RequestContext, nodeName: string, kubelet: KubeletClientConfig | undefined, what: string): Promise<{ endpoint: { host: string; port: number }; client: KubeletClientConfig }> {
  const node = await ctx.services.storeFor(NODES).get('', nodeName);
  if (String(node.status?.nodeInfo?.containerRuntimeVersion ?? '').startsWith('hollow://')) {
    throw newBadRequest(`node "${nodeName}" is a hollow (simulated) node: it runs no containers and has no kubelet to serve ${what}`);
  }
  const endpoint = kubeletEndpoint(node);
  if (!endpoint) throw newBadRequest(`node "${nodeName}" reports no address for its kubelet`);
  if (!kubelet) throw newBadRequest(`this apiserver has no kubelet client credentials to reach the kubelet on node "${nodeName}"`);
  return { endpoint, client: kubelet };
}

/** A non-2xx kubelet answer as upstream's GenericHttpResponseChecker turns it into a Status. */
export function kubeletError(code: number, body: string, pod: string): StatusError {
  if (code === 400) return newBadRequest(body);
  if (code === 500) return newInternalError(new Error(body));
  const known: Record<number, [string, string]> = {
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', body],
    404: ['NotFound', 'the server could not find the requested resource'],
    422: ['Invalid', 'the server rejected our request due to an error in our request'],
  };
  const [reason, text] = known[code] ?? (code > 500
    ? ['InternalError', `an error on the server (${JSON.stringify(body)}) has prevented the request from succeeding`]
    : ['Unknown', `the server responded with the status code ${code} but did not return more information`]);
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason,
    message: `${text} ( pods/log ${pod})`, details: { kind: 'pods/log', name: pod },
  });
}

export async function handlePodLog(ctx: RequestContext, kubelet: KubeletClientConfig | undefined): Promise<void> {
  const { info, query } = ctx;
  if (info.verb !== 'get') throw newMethodNotSupported(ctx.store.qualified, info.verb);
  const pod = await ctx.store.get(info.namespace, info.name);
  const container = chooseContainer(pod, query.get('container') ?? '');
  const params = kubeletLogQuery(query, info.name);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) {
    // Upstream streams nothing for a pod that is not on a node yet.
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain' });
    ctx.res.end();
    return;
  }
  const { endpoint, client } = await nodeKubelet(ctx, nodeName, kubelet, 'logs');
  const path = `/containerLogs/${encodeURIComponent(pod.metadata.namespace)}/${encodeURIComponent(pod.metadata.name)}/${encodeURIComponent(container)}`;
  const insecure = queryBool(query, 'insecureSkipTLSVerifyBackend');
  const upstream = await connect(endpoint, `${path}${params.size ? `?${params}` : ''}`, client, insecure);
  const code = upstream.statusCode ?? 500;
  if (code < 200 || code > 206) {
    const body = await readLimited(upstream, 4096);
    throw kubeletError(code, body, info.name);
  }
  const { res } = ctx;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  // Follow ends when either side goes: the client (kubectl interrupted) or the kubelet (container exited).
  res.on('close', () => upstream.destroy());
  upstream.on('error', () => res.destroy());
  upstream.pipe(res);
  await new Promise<void>((resolve) => res.once('close', () => resolve()));
}

function connect(ep: { host: string; port: number }, path: string, k: KubeletClientConfig, insecure: boolean): Promise<IncomingMessage> {
  const url = `https://${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}${path}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, {
      method: 'GET', cert: k.certPem, key: k.keyPem, agent: false,
      ...(k.caPem && !insecure ? { ca: k.caPem, rejectUnauthorized: true } : { rejectUnauthorized: false }),
    }, resolve);
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`dial tcp ${ep.host}:${ep.port}: i/o timeout`), { code: 'ETIMEDOUT' })), k.connectTimeoutMs ?? 10_000);
    req.once('socket', (s) => s.once('secureConnect', () => clearTimeout(timer)));
    req.once('response', () => clearTimeout(timer));
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ECONNREFUSED' ? `dial tcp ${ep.host}:${ep.port}: connect: connection refused` : err.message;
      reject(newInternalError(new Error(`Get "${url}": ${why}`)));
    });
    req.end();
  });
}

function readLimited(res: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < max) chunks.push(c.subarray(0, max - size));
      size += c.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    res.on('error', () => resolve(Buffer.concat(chunks).toString()));
  });
}
