// How `k8ts agent` joins, after k3s: GET /cacerts (no authentication) gives
// the CA bundle whose hash the agent's token pins, and POST /v1-k8ts/join,
// authenticated with the token's password, issues the node's client and
// kubelet serving certificates and hands it a /24 of the cluster CIDR that
// no other node has. A node joining again keeps its /24.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { RESOURCES } from '../api/resources.ts';
import { newBadRequest, newMethodNotSupported, newRequestEntityTooLarge, StatusError } from '../machinery/errors.ts';
import { writeJson } from './codec.ts';
import { unauthorizedStatus } from './authn/index.ts';
import type { ServerServices } from './handlers/context.ts';
import type { Pki } from './pki/index.ts';
import { inClusterCIDR, nextFreeSlash24 } from './join-token.ts';

const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;
const MAX_BODY = 64 * 1024;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export interface JoinConfig {
  /** The CA bundle served at /cacerts; the token's hash is of exactly these bytes. */
  caPem: string;
  /** The token's password. */
  password: string;
  pki: Pick<Pki, 'issueClientCert' | 'issueServingCert'>;
  clusterCIDR: string;
  /** /24s never handed to joining nodes (the server's own node's). */
  reserved?: string[];
  /** JSON file that remembers node name → /24 across restarts. */
  allocationsFile?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface JoinResponse {
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  podCIDR: string;
  server: string;
}

export interface JoinHandler {
  handle(req: IncomingMessage, res: ServerResponse, path: string, services: ServerServices): Promise<void>;
}

/** The paths the join handler serves before authentication. */
export function isJoinPath(path: string): boolean {
  return path === '/cacerts' || path === '/v1-k8ts' || path.startsWith('/v1-k8ts/');
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The password from `Bearer <password>` or basic auth `<user>:<password>` (k3s agents send node:<password>). */
export function presentedPassword(header: string | undefined): string | undefined {
  if (!header) return undefined;
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  if (header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(newRequestEntityTooLarge(`the join request is larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Validates the join body; throws a 400 Status naming the field. */
export function parseJoinRequest(text: string): { nodeName: string; nodeIP?: string } {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw newBadRequest(`the join request body is not JSON: ${(err as Error).message}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw newBadRequest('the join request body must be a JSON object {"nodeName": …, "nodeIP": …}');
  const { nodeName, nodeIP } = body;
  if (typeof nodeName !== 'string' || nodeName === '') throw newBadRequest('nodeName is required');
  if (nodeName.length > 253 || !DNS_SUBDOMAIN.test(nodeName)) throw newBadRequest(`nodeName "${nodeName}" is not a valid DNS subdomain (lower case letters, digits, '-' and '.')`);
  if (nodeIP !== undefined && (typeof nodeIP !== 'string' || isIP(nodeIP) === 0)) throw newBadRequest(`nodeIP ${JSON.stringify(nodeIP)} is not an IP address`);
  return nodeIP === undefined ? { nodeName } : { nodeName, nodeIP };
}

/**
 * The /24 for a node: the one its Node already has, else the one it was
 * given before (unless another Node took it since), else the lowest free.
 */
export function choosePodCIDR(clusterCIDR: string, nodeName: string, nodes: Iterable<any>, allocations: Record<string, string>, reserved: string[] = []): string {
  const others = new Set<string>(reserved);
  for (const n of nodes) {
    const cidr = n?.spec?.podCIDR;
    if (typeof cidr !== 'string') continue;
    if (n.metadata?.name === nodeName) {
      if (inClusterCIDR(clusterCIDR, cidr)) return cidr;
    } else others.add(cidr);
  }
  const previous = allocations[nodeName];
  if (previous && !others.has(previous) && inClusterCIDR(clusterCIDR, previous)) return previous;
  for (const [name, cidr] of Object.entries(allocations)) if (name !== nodeName) others.add(cidr);
  return nextFreeSlash24(clusterCIDR, others);
}

export function createJoinHandler(cfg: JoinConfig): JoinHandler {
  const expected = digest(cfg.password);
  const allocations: Record<string, string> = loadAllocations(cfg.allocationsFile);
  // Joins are serialised so that two nodes never pick the same /24.
  let chain: Promise<unknown> = Promise.resolve();
  const serialised = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  const join = async (req: IncomingMessage, res: ServerResponse, services: ServerServices) => {
    const presented = presentedPassword(req.headers.authorization);
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      req.resume();
      writeJson(res, 401, unauthorizedStatus());
      return;
    }
    const { nodeName, nodeIP } = parseJoinRequest(await readBody(req));
    const podCIDR = await serialised(async () => {
      await services.syncCache();
      const nodes = services.cacheFor(NODES).objects.values();
      const cidr = choosePodCIDR(cfg.clusterCIDR, nodeName, nodes, allocations, cfg.reserved);
      if (allocations[nodeName] !== cidr) {
        allocations[nodeName] = cidr;
        saveAllocations(cfg.allocationsFile, allocations);
      }
      return cidr;
    });
    const ip = nodeIP ?? (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    // Until RBAC is enforced, kubelets act with the admin group's rights (as the server's own node does).
    const client = await cfg.pki.issueClientCert(`system:node:${nodeName}`, ['system:nodes', 'system:masters']);
    const serving = await cfg.pki.issueServingCert(`system:node:${nodeName}`, [...new Set([nodeName, 'localhost', '127.0.0.1', ip])]);
    const body: JoinResponse = {
      caPem: cfg.caPem, clientCertPem: client.certPem, clientKeyPem: client.keyPem,
      servingCertPem: serving.certPem, servingKeyPem: serving.keyPem, podCIDR, server: `https://${req.headers.host ?? `127.0.0.1:${req.socket.localPort}`}`,
    };
    cfg.log?.('node joined', { node: nodeName, podCIDR, nodeIP: ip, from: req.socket.remoteAddress });
    writeJson(res, 200, body);
  };

  return {
    async handle(req, res, path, services) {
      if (path === '/cacerts') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw newMethodNotSupported({ group: '', resource: '' }, req.method ?? '');
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(cfg.caPem) });
        res.end(req.method === 'HEAD' ? undefined : cfg.caPem);
        return;
      }
      if (path === '/v1-k8ts/join') {
        if (req.method !== 'POST') throw newMethodNotSupported({ group: '', resource: '' }, req.method ?? '');
        return join(req, res, services);
      }
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
    },
  };
}

function loadAllocations(file: string | undefined): Record<string, string> {
  if (!file || !existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch (err) {
    throw new Error(`the pod CIDR allocations in ${file} are unreadable (${(err as Error).message}); fix or remove the file`);
  }
}

function saveAllocations(file: string | undefined, allocations: Record<string, string>): void {
  if (!file) return;
  writeFileSync(`${file}.tmp`, JSON.stringify(allocations, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
