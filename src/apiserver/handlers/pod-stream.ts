// pods/exec, pods/attach and pods/portforward: validates the options,
// picks the container, and proxies the client's upgrade request to the
// kubelet on the pod's node (/exec, /attach, /portForward) with the
// apiserver's kubelet-client certificate, as upstream's upgrade-aware
// proxy does. The bytes are not interpreted: SPDY or WebSocket is
// negotiated between kubectl and the kubelet (which proxies on to the
// runtime), and a refused upgrade reaches kubectl unchanged so that it can
// fall back from WebSocket to SPDY.
import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { newBadRequest, newInternalError, newMethodNotSupported } from '../../machinery/errors.ts';
import type { RequestContext } from './context.ts';
import { nodeKubelet, queryBool } from './pod-log.ts';
import type { KubeletClientConfig } from './pod-log.ts';


/** Upstream's streamLocation: the named container must be in the pod; no name is fine for a one-container pod. */
export function streamContainer(pod: any, container: string): string {
  const name = pod.metadata.name;
  const spec = pod.spec ?? {};
  if (!container) {
    const containers: any[] = spec.containers ?? [];
    if (containers.length === 1) return containers[0].name;
    if (containers.length === 0) throw newBadRequest(`a container name must be specified for pod ${name}`);
    const inits: any[] = spec.initContainers ?? [];
    let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`;
    if (inits.length) msg += ` or one of the init containers: [${inits.map((c) => c.name).join(' ')}]`;
    throw newBadRequest(msg);
  }
  const all: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  if (!all.some((c) => c.name === container)) throw newBadRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** The kubelet path and query for a stream subresource, re-encoded as upstream's streamParams does. */
export function kubeletStreamPath(sub: string, pod: any, q: URLSearchParams): string {
  const ns = encodeURIComponent(pod.metadata.namespace);
  const name = encodeURIComponent(pod.metadata.name);
  const out = new URLSearchParams();
  if (sub === 'portforward') {
    for (const v of q.getAll('ports')) {
      for (const p of v.split(',')) {
        if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw newBadRequest(`invalid port ${JSON.stringify(p)}`);
        out.append('port', p);
      }
    }
    return `/portForward/${ns}/${name}${out.size ? `?${out}` : ''}`;
  }
  const container = encodeURIComponent(streamContainer(pod, q.get('container') ?? ''));
  if (sub === 'exec') for (const c of q.getAll('command')) out.append('command', c);
  if (queryBool(q, 'stdin')) out.set('input', '1');
  if (queryBool(q, 'stdout')) out.set('output', '1');
  if (queryBool(q, 'stderr')) out.set('error', '1');
  if (queryBool(q, 'tty')) out.set('tty', '1');
  return `/${sub}/${ns}/${name}/${container}${out.size ? `?${out}` : ''}`;
}

function isUpgrade(req: IncomingMessage): boolean {
  return /\bupgrade\b/i.test(String(req.headers.connection ?? '')) && !!req.headers.upgrade;
}

export async function handlePodStream(ctx: RequestContext, kubelet: KubeletClientConfig | undefined): Promise<void> {
  const { info, query, req } = ctx;
  const sub = info.subresource;
  if (info.verb !== 'get' && info.verb !== 'create') throw newMethodNotSupported(ctx.store.qualified, info.verb);
  const pod = await ctx.store.get(info.namespace, info.name);
  const path = kubeletStreamPath(sub, pod, query);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw newBadRequest(`pod ${info.name} does not have a host assigned`);
  const { endpoint, client: kubeletClient } = await nodeKubelet(ctx, nodeName, kubelet, sub);
  if (!isUpgrade(req)) throw newBadRequest('Upgrade request required');
  const backend = await dialKubelet(endpoint, kubeletClient, queryBool(query, 'insecureSkipTLSVerifyBackend'));
  const client = takeOver(req);
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  backend.write(upgradeHead(req.method ?? 'GET', req.rawHeaders, `${host}:${endpoint.port}`, path));
  await splice(client, backend);
}

/**
 * Takes the client's connection away from the HTTP server (which had no
 * 'upgrade' listener and so handed the request to the router), so that the
 * bytes after the head are a stream rather than the next request.
 */
function takeOver(req: IncomingMessage): Duplex {
  const socket = req.socket as TLSSocket & { parser?: { unconsume?: () => void } };
  socket.parser?.unconsume?.();
  for (const ev of ['data', 'end', 'timeout', 'drain', 'error']) socket.removeAllListeners(ev);
  socket.setTimeout(0);
  socket.on('error', () => socket.destroy());
  return socket;
}

const DROP = new Set(['host', 'authorization', 'proxy-authorization', 'cookie']);

/** The request head for the kubelet: the client's method and upgrade headers, without its credentials. */
export function upgradeHead(method: string, rawHeaders: string[], host: string, path: string): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    if (DROP.has(lower) || lower.startsWith('impersonate-')) continue;
    lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function dialKubelet(ep: { host: string; port: number }, k: KubeletClientConfig, insecure: boolean): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: ep.host, port: ep.port, cert: k.certPem, key: k.keyPem,
      ...(k.caPem && !insecure ? { ca: k.caPem, rejectUnauthorized: true } : { rejectUnauthorized: false }),
      ...(/^[\d.]+$|:/.test(ep.host) ? {} : { servername: ep.host }),
    });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`dial tcp ${ep.host}:${ep.port}: i/o timeout`), { code: 'ETIMEDOUT' })), k.connectTimeoutMs ?? 10_000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ECONNREFUSED' ? `dial tcp ${ep.host}:${ep.port}: connect: connection refused` : err.message;
      reject(newInternalError(new Error(`error dialing backend: ${why}`)));
    });
  });
}

function splice(a: Duplex, b: Duplex): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      a.destroy();
      b.destroy();
      resolve();
    };
    for (const s of [a, b]) {
      s.on('error', finish);
      s.on('close', finish);
    }
    a.pipe(b);
    b.pipe(a);
  });
}
