// The typed client every component uses to reach the apiserver: JSON over
// HTTPS with client-certificate or bearer-token credentials, kept-alive
// connections, Status errors decoded into StatusError, and watch streams.
// Inside the API server's process the same client runs over in-memory
// connections instead (in-process.ts).
import { Agent, request } from 'node:https';
import { request as plainRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { ResourceInfo } from '../api/resources.ts';
import { apiVersionOf } from '../api/resources.ts';
import { StatusError } from '../machinery/errors.ts';
import { inProcessSocket } from './in-process.ts';
import { countRequest, describeRequest, setStatsAgent, STATS_ENABLED } from './request-stats.ts';

export interface ClientConfig {
  server: string; // https://host:port
  caPem: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
  userAgent?: string;
  /** Per-request timeout for non-watch calls. */
  timeoutMs?: number;
  /** In process: each request's connection is an in-memory stream handed to the API server (see in-process.ts). */
  connect?: (serverSide: Duplex) => void;
}

export interface ListResult<T = any> {
  items: T[];
  metadata: { resourceVersion: string; continue?: string };
}

export interface WatchEvent<T = any> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchHandle {
  /** Resolves when the stream ends (server timeout, error, or close()). */
  done: Promise<void>;
  close(): void;
}

export function resourcePath(r: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  let p = base;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.resource}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class Client {
  readonly config: ClientConfig;
  private readonly agent: Agent;
  /** Watches hold their connection for minutes: they get their own pool, so they never starve ordinary requests. */
  private readonly watchAgent: Agent;
  private readonly url: URL;

  constructor(config: ClientConfig) {
    this.config = config;
    this.url = new URL(config.server);
    setStatsAgent(config.userAgent ?? 'k8ts');
    this.agent = new Agent({ ca: config.caPem, cert: config.certPem, key: config.keyPem, keepAlive: true, maxSockets: 32 });
    this.watchAgent = new Agent({ ca: config.caPem, cert: config.certPem, key: config.keyPem, keepAlive: false, maxSockets: Infinity });
  }

  private open(method: string, path: string, body: string | undefined, headers: Record<string, string>, timeoutMs?: number, agent = this.agent): Promise<IncomingMessage> {
    const connect = this.config.connect;
    const send = connect ? plainRequest : request;
    const transport = connect ? { createConnection: () => inProcessSocket(connect) } : { host: this.url.hostname, port: this.url.port || 443, agent };
    return new Promise((resolve, reject) => {
      const req = send({
        ...transport, path, method,
        headers: {
          Accept: 'application/json',
          'User-Agent': this.config.userAgent ?? 'k8ts',
          ...(this.config.token ? { Authorization: `Bearer ${this.config.token}` } : {}),
          ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
          ...headers,
        },
        timeout: timeoutMs,
      }, resolve);
      req.on('timeout', () => req.destroy(new Error(`request ${method} ${path} timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const what = STATS_ENABLED ? describeRequest(method, path) : '';
    countRequest(what);
    const res = await this.open(method, path, text, headers, this.config.timeoutMs ?? 30_000);
    const chunks: Buffer[] = [];
    for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) return raw === '' ? (undefined as T) : JSON.parse(raw);
    if (STATS_ENABLED) countRequest(`${what} ${code}`);
    throw toError(code, raw, `${method} ${path}`);
  }

  get<T = any>(r: ResourceInfo, namespace: string, name: string): Promise<T> {
    return this.request('GET', resourcePath(r, namespace, name));
  }

  list<T = any>(r: ResourceInfo, namespace = '', opts: { labelSelector?: string; fieldSelector?: string; limit?: number; continue?: string; resourceVersion?: string } = {}): Promise<ListResult<T>> {
    return this.request('GET', resourcePath(r, namespace) + query(opts));
  }

  create<T = any>(r: ResourceInfo, namespace: string, obj: unknown, opts: { fieldManager?: string; dryRun?: boolean } = {}): Promise<T> {
    return this.request('POST', resourcePath(r, namespace) + query({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined }), { apiVersion: apiVersionOf(r), kind: r.kind, ...(obj as object) });
  }

  update<T = any>(r: ResourceInfo, namespace: string, obj: any, opts: { subresource?: string; fieldManager?: string } = {}): Promise<T> {
    return this.request('PUT', resourcePath(r, namespace, obj.metadata.name, opts.subresource) + query({ fieldManager: opts.fieldManager }), obj);
  }

  patch<T = any>(r: ResourceInfo, namespace: string, name: string, patch: unknown,
    opts: { type?: 'merge' | 'json' | 'strategic' | 'apply'; subresource?: string; fieldManager?: string; force?: boolean } = {}): Promise<T> {
    const types = { merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json', apply: 'application/apply-patch+yaml' };
    return this.request('PATCH', resourcePath(r, namespace, name, opts.subresource) + query({ fieldManager: opts.fieldManager, force: opts.force }),
      patch, { 'Content-Type': types[opts.type ?? 'merge'] });
  }

  delete<T = any>(r: ResourceInfo, namespace: string, name: string, opts: { propagationPolicy?: string; gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } } = {}): Promise<T> {
    return this.request('DELETE', resourcePath(r, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts });
  }

  /** Streams watch events to onEvent until the server ends the watch or close() is called. */
  watch<T = any>(r: ResourceInfo, namespace: string, opts: { resourceVersion?: string; labelSelector?: string; fieldSelector?: string; allowWatchBookmarks?: boolean; timeoutSeconds?: number },
    onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    let req: IncomingMessage | null = null;
    let closed = false;
    const eventKey = `watch-event ${r.resource}`;
    const done = (async () => {
      countRequest(`watch ${r.resource}`);
      const res = await this.open('GET', resourcePath(r, namespace) + query({ watch: 1, ...opts }), undefined, {}, undefined, this.watchAgent);
      req = res;
      if (closed) { res.destroy(); return; }
      if ((res.statusCode ?? 0) >= 300) {
        const chunks: Buffer[] = [];
        for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
        throw toError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), `watch ${r.resource}`);
      }
      let buf = '';
      // Decoded as a stream, so a character split across chunks stays whole.
      res.setEncoding('utf8');
      try {
        for await (const chunk of res as AsyncIterable<string>) {
          buf += chunk;
          // Walk the lines with an index and cut the buffer once per chunk:
          // re-slicing the rest after every line is quadratic in chunk size.
          let start = 0;
          let nl: number;
          while ((nl = buf.indexOf('\n', start)) >= 0) {
            const line = buf.slice(start, nl);
            start = nl + 1;
            if (line.trim() !== '') {
              if (STATS_ENABLED) countRequest(eventKey);
              onEvent(JSON.parse(line));
            }
          }
          if (start > 0) buf = buf.slice(start);
        }
      } catch (err) {
        if (!closed) throw err;
      }
    })();
    return { done, close: () => { closed = true; (req as IncomingMessage | null)?.destroy(); } };
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }
}

function toError(code: number, raw: string, what: string): StatusError {
  try {
    const s = JSON.parse(raw);
    if (s?.kind === 'Status') return new StatusError(s);
  } catch {
    // not a Status body: fall through to a generic one
  }
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason: code === 404 ? 'NotFound' : 'InternalError', message: `${what}: HTTP ${code}: ${raw.slice(0, 200)}` } as any);
}
