// The hollow nodes' kubelet Summary API (`GET /stats/summary`, in upstream's
// statsapi.Summary shape), served by ONE HTTPS listener for every node of
// the process: a request names its node by TLS SNI or, failing that, by the
// Host header. Callers must present a client certificate signed by the
// cluster CA (the apiserver's kubelet-client certificate), as a kubelet
// requires. The serving certificate is self-signed: the hollow process holds
// no CA key to get one signed, so the apiserver does not verify it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { parseQuantity } from '../machinery/quantity.ts';
import type { UsageBook, PodEntry } from './usage.ts';
import { cumulative } from './usage.ts';

x509.cryptoProvider.set(webcrypto as any);

export interface StatsNode {
  name: string;
  memory: string;
}

export interface StatsServerConfig {
  address: string;
  port?: number;
  clientCaPem: string;
  nodes: Map<string, StatsNode>;
  usage: UsageBook;
  now: () => Date;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface StatsServer {
  readonly port: number;
  close(): Promise<void>;
}

const PROCESS_START = new Date();

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function cpuStats(time: string, nanoCores: number, coreNanoSeconds: number): object {
  return { time, usageNanoCores: Math.round(nanoCores), usageCoreNanoSeconds: Math.round(coreNanoSeconds) };
}

function memoryStats(time: string, bytes: number, limit?: number): object {
  return {
    time, workingSetBytes: bytes, usageBytes: bytes, rssBytes: bytes, pageFaults: 0, majorPageFaults: 0,
    ...(limit !== undefined ? { availableBytes: Math.max(0, limit - bytes) } : {}),
  };
}

function podStats(p: PodEntry, time: string, at: number): { stats: any; cpu: number; cpuTime: number; memory: number } {
  let cpu = 0;
  let cpuTime = 0;
  let memory = 0;
  const containers = p.containers.map((c) => {
    const used = cumulative(c, at);
    cpu += c.nanoCores;
    cpuTime += used;
    memory += c.memoryBytes;
    return { name: c.name, startTime: c.startTime, cpu: cpuStats(time, c.nanoCores, used), memory: memoryStats(time, c.memoryBytes) };
  });
  return {
    stats: {
      podRef: { name: p.name, namespace: p.namespace, uid: p.uid }, startTime: p.startTime, containers,
      cpu: cpuStats(time, cpu, cpuTime), memory: memoryStats(time, memory),
    },
    cpu, cpuTime, memory,
  };
}

/** The Summary of one node: its pods' usage, and the node's as their sum (a hollow node has no system overhead). */
export function nodeSummary(node: StatsNode, usage: UsageBook, now: Date): object {
  const time = rfc3339(now);
  const at = now.getTime();
  let cpu = 0;
  let cpuTime = 0;
  let memory = 0;
  const pods = usage.podsOn(node.name).map((p) => {
    const s = podStats(p, time, at);
    cpu += s.cpu;
    cpuTime += s.cpuTime;
    memory += s.memory;
    return s.stats;
  });
  const capacity = Number(parseQuantity(node.memory).nanos / 1_000_000_000n);
  return {
    node: {
      nodeName: node.name, startTime: rfc3339(PROCESS_START),
      cpu: cpuStats(time, cpu, cpuTime), memory: memoryStats(time, memory, capacity), systemContainers: [],
    },
    pods,
  };
}

/** The node a request is for: the TLS server name, else the Host header without its port. */
export function requestedNode(servername: string | false | null | undefined, host: string | undefined): string {
  if (servername) return servername;
  const h = host ?? '';
  return h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.replace(/:\d+$/, '');
}

async function selfSigned(address: string): Promise<{ certPem: string; keyPem: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as any;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: `CN=k8ts-hollow-kubelet@${Math.floor(now / 1000)}`, notBefore: new Date(now - 60_000), notAfter: new Date(now + 365 * 86_400_000),
    signingAlgorithm: alg, keys,
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: address === '0.0.0.0' ? '127.0.0.1' : address }]),
    ],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

function reply(res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse, cfg: StatsServerConfig): void {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return reply(res, 401, 'Unauthorized');
  const path = new URL(req.url ?? '/', 'https://hollow').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'Method Not Allowed');
  if (path === '/healthz') return reply(res, 200, 'ok');
  if (path !== '/stats/summary') return reply(res, 404, '404 page not found');
  const name = requestedNode(socket.servername, req.headers.host);
  const node = cfg.nodes.get(name);
  if (!node) return reply(res, 404, `node "${name}" is not served here`);
  reply(res, 200, JSON.stringify(nodeSummary(node, cfg.usage, cfg.now())), 'application/json');
}

export async function startStatsServer(cfg: StatsServerConfig): Promise<StatsServer> {
  const tls = await selfSigned(cfg.address);
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem, ca: cfg.clientCaPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    try {
      handle(req, res, cfg);
    } catch (err) {
      cfg.log?.('stats request failed', { url: req.url, error: String((err as Error)?.stack ?? err) });
      if (!res.headersSent) reply(res, 500, String((err as Error)?.message ?? err));
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port ?? 0, cfg.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
