// The kubelet's HTTPS server (upstream's port 10250), which the apiserver
// calls for pods/log, /stats/summary (stats.ts), and for pods/exec, attach and portforward (upgrade
// requests, proxied to the runtime's streaming server: streaming.ts). Callers must present a client certificate signed by
// the client CA (the apiserver's kubelet-client certificate); anything else
// gets 401. Errors are plain text, as upstream's kubelet writes them, and
// the apiserver turns them into Status objects.
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { stat } from 'node:fs/promises';
import { KubeletHttpError, logTarget, parseLogQuery } from './container-logs.ts';
import { readLogs } from './logs.ts';
import { parseStreamPath, serveStream } from './streaming.ts';
import type { StreamRuntime } from './streaming.ts';
import { writeRawError } from './upgrade-proxy.ts';
import { SUMMARY_PATH, serveSummary } from './stats.ts';
import type { SummaryProvider } from './stats.ts';

export interface KubeletServerHost {
  /** The pod this kubelet runs under that name, as it last saw it (status included). */
  getPod(namespace: string, name: string): any | undefined;
  /** The pod's log directory (`<root>/logs/pods/<ns>_<name>_<uid>`). */
  podLogDir(pod: any): string;
  /** What the runtime says about a container instance; undefined when it is gone. */
  containerStatus(id: string): Promise<{ running: boolean; logPath?: string } | undefined>;
  /** The runtime's streaming URLs (exec, attach, port-forward); without it those requests fail. */
  streams?: StreamRuntime;
  /** The Summary API's figures (GET /stats/summary); without it that path is not served. */
  summary?: SummaryProvider;
}

export interface KubeletServerConfig {
  port: number;
  address?: string;
  tls: { certPem: string; keyPem: string; clientCaPem: string };
  host: KubeletServerHost;
  now?: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface KubeletServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startKubeletServer(cfg: KubeletServerConfig): Promise<KubeletServer> {
  const log = cfg.log ?? (() => {});
  const server: Server = createServer({
    key: cfg.tls.keyPem, cert: cfg.tls.certPem, ca: cfg.tls.clientCaPem, requestCert: true, rejectUnauthorized: false,
  }, (req, res) => {
    handle(req, res, cfg).catch((err) => {
      const code = err instanceof KubeletHttpError ? err.code : 500;
      if (code >= 500) log('kubelet request failed', { method: req.method, url: req.url, error: String(err?.stack ?? err) });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(String(err?.message ?? err));
    });
  });
  server.requestTimeout = 0; // follow streams for as long as the client stays
  // Upgraded connections leave the server's bookkeeping: close() ends them itself.
  const streams = new Set<TLSSocket>();
  server.on('upgrade', (req: IncomingMessage, socket: TLSSocket, head: Buffer) => {
    streams.add(socket);
    socket.once('close', () => streams.delete(socket));
    socket.on('error', () => socket.destroy());
    if (!socket.authorized) return writeRawError(socket, 401, 'Unauthorized');
    const target = parseStreamPath(new URL(req.url ?? '/', 'https://kubelet').pathname);
    if (!target) return writeRawError(socket, 404, '404 page not found');
    serveStream(req, socket, head, target, { getPod: (ns, n) => cfg.host.getPod(ns, n), streams: cfg.host.streams, log })
      .catch((err) => {
        log('kubelet stream failed', { url: req.url, error: String(err?.stack ?? err) });
        socket.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.address ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log('kubelet server listening', { port });
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of streams) s.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, cfg: KubeletServerConfig): Promise<void> {
  if (!(req.socket as TLSSocket).authorized) throw new KubeletHttpError(401, 'Unauthorized');
  const url = new URL(req.url ?? '/', 'https://kubelet');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('ok');
    return;
  }
  if (url.pathname === SUMMARY_PATH && cfg.host.summary) return serveSummary(res, req.method, url.searchParams, cfg.host.summary);
  if (parseStreamPath(url.pathname)) throw new KubeletHttpError(400, 'Upgrade request required');
  const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!m) throw new KubeletHttpError(404, '404 page not found');
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new KubeletHttpError(405, 'Method Not Allowed');
  const [namespace, name, container] = m.slice(1).map(decodeURIComponent) as [string, string, string];
  await containerLogs(res, cfg, namespace, name, container, url.searchParams);
}

async function containerLogs(res: ServerResponse, cfg: KubeletServerConfig, namespace: string, name: string, container: string, query: URLSearchParams): Promise<void> {
  const opts = parseLogQuery(query, cfg.now?.() ?? Date.now());
  const pod = cfg.host.getPod(namespace, name);
  if (!pod) throw new KubeletHttpError(404, `pod ${JSON.stringify(name)} does not exist`);
  const target = logTarget(pod, container, opts.previous, cfg.host.podLogDir(pod));
  const runtime = await cfg.host.containerStatus(target.containerId);
  const path = runtime?.logPath || target.path;
  try {
    await stat(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
    throw new KubeletHttpError(400, `failed to try resolving symlinks in path ${JSON.stringify(path)}: lstat ${path}: ${why}`);
  }
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  // Headers go out at once so that a follow of a quiet container still answers.
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  await readLogs(path, opts, {
    write: (chunk) => new Promise<void>((resolve) => {
      if (res.write(chunk) || closed.signal.aborted) return resolve();
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    }),
  }, {
    signal: closed.signal,
    isRunning: async () => (await cfg.host.containerStatus(target.containerId))?.running ?? false,
  });
  res.end();
}
