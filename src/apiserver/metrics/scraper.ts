// Fetches nodes' kubelet Summaries for metrics.k8s.io. Real kubelets are
// reached as pods/log reaches them (InternalIP and daemonEndpoints port,
// the apiserver's kubelet-client certificate, the cluster CA to verify
// them). Hollow nodes share one stats listener per hollow process, at the
// address their Node's `hollow.k8ts.io/kubelet-address` annotation gives;
// the node is named in the Host header, so one pool of kept-alive
// connections serves thousands of them. A scrape is reused for a few
// seconds, and concurrent requests for the same node share one fetch.
import { Agent, request } from 'node:https';
import type { KubeletClientConfig } from '../handlers/pod-log.ts';
import { kubeletEndpoint } from '../handlers/pod-log.ts';
import { CounterMemory, parseSummary } from './summary.ts';
import type { NodeSummary } from './summary.ts';

/** Set by src/hollow/nodes.ts on the Nodes it registers. */
export const HOLLOW_KUBELET_ADDRESS = 'hollow.k8ts.io/kubelet-address';

export interface ScraperOptions {
  kubelet?: KubeletClientConfig;
  /** How long a scrape stays fresh (metrics-server scrapes every 15 s; shorter keeps `kubectl top` current). */
  ttlMs?: number;
  timeoutMs?: number;
  now?: () => Date;
}

export function isHollow(node: any): boolean {
  return String(node?.status?.nodeInfo?.containerRuntimeVersion ?? '').startsWith('hollow://');
}

interface Target {
  host: string;
  port: number;
  hostHeader?: string;
  agent: Agent;
}

export class Scraper {
  private readonly opts: ScraperOptions;
  private readonly cache = new Map<string, { at: number; summary: Promise<NodeSummary> }>();
  private readonly counters = new Map<string, CounterMemory>();
  private hollowAgent?: Agent;
  private kubeletAgent?: Agent;

  constructor(opts: ScraperOptions) {
    this.opts = opts;
  }

  private target(node: any): Target {
    const name = node.metadata.name;
    const k = this.opts.kubelet;
    if (!k) throw new Error(`this apiserver has no kubelet client credentials to reach the kubelet on node "${name}"`);
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250;
    if (isHollow(node)) {
      const host = node.metadata.annotations?.[HOLLOW_KUBELET_ADDRESS];
      if (!host) throw new Error(`hollow node "${name}" does not say where its stats are served`);
      // Simulated nodes carry a self-signed serving certificate (see src/hollow/stats.ts).
      this.hollowAgent ??= new Agent({ keepAlive: true, maxSockets: 16, cert: k.certPem, key: k.keyPem, rejectUnauthorized: false });
      return { host, port, hostHeader: name, agent: this.hollowAgent };
    }
    const ep = kubeletEndpoint(node);
    if (!ep) throw new Error(`node "${name}" reports no address for its kubelet`);
    this.kubeletAgent ??= new Agent({
      keepAlive: true, maxSockets: 8, cert: k.certPem, key: k.keyPem, ...(k.caPem ? { ca: k.caPem, rejectUnauthorized: true } : { rejectUnauthorized: false }),
    });
    return { host: ep.host, port: ep.port, agent: this.kubeletAgent };
  }

  private fetchJson(t: Target): Promise<any> {
    const host = t.host.includes(':') ? `[${t.host}]` : t.host;
    // As metrics-server asks: the filesystem and network figures are not needed.
    const url = `https://${host}:${t.port}/stats/summary?only_cpu_and_memory=true`;
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: 'GET', agent: t.agent, servername: '', timeout: this.opts.timeoutMs ?? 5000,
        headers: { Accept: 'application/json', ...(t.hostHeader ? { Host: t.hostHeader } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`Get "${url}": ${res.statusCode}: ${body.slice(0, 200)}`));
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(new Error(`Get "${url}": ${(err as Error).message}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`Get "${url}": context deadline exceeded`)));
      req.on('error', (err) => reject(err.message.startsWith('Get "') ? err : new Error(`Get "${url}": ${err.message}`)));
      req.end();
    });
  }

  /** The node's usage, from a fresh scrape or one younger than the TTL. */
  summary(node: any): Promise<NodeSummary> {
    const name = node.metadata.name;
    const now = Date.now();
    const hit = this.cache.get(name);
    if (hit && now - hit.at < (this.opts.ttlMs ?? 5000)) return hit.summary;
    const summary = (async () => {
      const raw = await this.fetchJson(this.target(node));
      let memory = this.counters.get(name);
      if (!memory) this.counters.set(name, (memory = new CounterMemory()));
      return parseSummary(raw, name, memory, (this.opts.now ?? (() => new Date()))());
    })();
    this.cache.set(name, { at: now, summary });
    // A failed scrape is not remembered: the next request tries again.
    summary.catch(() => { if (this.cache.get(name)?.summary === summary) this.cache.delete(name); });
    return summary;
  }

  /** Summaries of many nodes, a bounded number at a time; a node that fails is logged and left out. */
  async summaries(nodes: any[], log?: (msg: string, f?: Record<string, unknown>) => void, width = 32): Promise<Map<string, NodeSummary>> {
    const out = new Map<string, NodeSummary>();
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(width, nodes.length) }, async () => {
      while (next < nodes.length) {
        const node = nodes[next++];
        try {
          out.set(node.metadata.name, await this.summary(node));
        } catch (err) {
          log?.('unable to fetch node metrics', { node: node.metadata.name, error: String((err as Error)?.message ?? err) });
        }
      }
    }));
    return out;
  }

  close(): void {
    this.hollowAgent?.destroy();
    this.kubeletAgent?.destroy();
  }
}
