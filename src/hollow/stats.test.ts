import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { ensurePki } from '../apiserver/pki/index.ts';
import { Scraper } from '../apiserver/metrics/scraper.ts';
import { startStatsServer, requestedNode } from './stats.ts';
import type { StatsServer } from './stats.ts';
import { UsageBook, CPU_USAGE, MEMORY_USAGE } from './usage.ts';

let now = new Date('2026-01-01T12:00:00Z');
const clock = () => now;

function pod(name: string, node: string, ann: Record<string, string>, containers = ['c']): any {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations: ann }, spec: { nodeName: node, containers: containers.map((n) => ({ name: n })) } };
}

function hollowNode(name: string, port: number): any {
  return {
    metadata: { name, annotations: { 'hollow.k8ts.io/kubelet-address': '127.0.0.1' } },
    status: { nodeInfo: { containerRuntimeVersion: 'hollow://0.1.0' }, daemonEndpoints: { kubeletEndpoint: { Port: port } }, addresses: [{ type: 'InternalIP', address: '10.200.0.1' }] },
  };
}

describe('hollow usage and Summary API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-hollow-stats-'));
  const usage = new UsageBook(clock);
  let server: StatsServer;
  let scraper: Scraper;
  let client: { certPem: string; keyPem: string };

  before(async () => {
    const pki = await ensurePki({ dir, hostAddresses: [] });
    client = await pki.issueClientCert('system:kube-apiserver-kubelet-client', ['system:masters']);
    const nodes = new Map([['h-0', { name: 'h-0', memory: '1Gi' }], ['h-1', { name: 'h-1', memory: '1Gi' }]]);
    server = await startStatsServer({ address: '127.0.0.1', clientCaPem: pki.caCertPem, nodes, usage, now: clock });
    scraper = new Scraper({ kubelet: { ...client, caPem: pki.caCertPem }, ttlMs: 0, now: clock });
    usage.start(pod('web', 'h-0', { [CPU_USAGE]: '250m', [MEMORY_USAGE]: '40Mi' }, ['a', 'b']), '2026-01-01T11:59:00Z');
    usage.start(pod('idle', 'h-0', {}), '2026-01-01T11:59:00Z');
    usage.start(pod('other', 'h-1', { [CPU_USAGE]: 'bogus' }), '2026-01-01T11:59:00Z');
  });
  after(async () => {
    scraper.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves each node its own pods, the node being their sum', async () => {
    const s = await scraper.summary(hollowNode('h-0', server.port));
    assert.deepEqual(s.pods.map((p) => [p.name, p.containers.map((c) => [c.name, c.cpuNanoCores, c.memoryBytes])]), [
      ['web', [['a', 250e6, 40 * 2 ** 20], ['b', 250e6, 40 * 2 ** 20]]],
      ['idle', [['c', 10e6, 16 * 2 ** 20]]],
    ]);
    assert.equal(s.node?.cpuNanoCores, 510e6);
    assert.equal(s.node?.memoryBytes, 96 * 2 ** 20);
    // A malformed annotation means the default.
    const other = await scraper.summary(hollowNode('h-1', server.port));
    assert.equal(other.pods[0].containers[0].cpuNanoCores, 10e6);
  });

  it('follows a change of the annotations on a running pod, integrating CPU time', async () => {
    now = new Date('2026-01-01T12:00:10Z');
    usage.update(pod('web', 'h-0', { [CPU_USAGE]: '1', [MEMORY_USAGE]: '100Mi' }, ['a', 'b']));
    now = new Date('2026-01-01T12:00:20Z');
    const entry = usage.get('uid-web')!;
    assert.equal(entry.containers[0].nanoCores, 1e9);
    // 10 s at 0.25 cores, then 10 s at 1 core.
    const raw = await getJson(server.port, 'h-0', client);
    assert.equal(raw.pods[0].containers[0].cpu.usageCoreNanoSeconds, 12.5e9);
    assert.equal(raw.pods[0].containers[0].memory.workingSetBytes, 100 * 2 ** 20);
    assert.equal(raw.node.memory.availableBytes, 2 ** 30 - (200 + 16) * 2 ** 20);
    usage.remove('uid-web');
    assert.deepEqual((await scraper.summary(hollowNode('h-0', server.port))).pods.map((p) => p.name), ['idle']);
  });

  it('refuses callers without a client certificate and unknown nodes', async () => {
    assert.equal((await get(server.port, 'h-0', undefined)).code, 401);
    assert.equal((await get(server.port, 'nosuch', client)).code, 404);
    await assert.rejects(scraper.summary(hollowNode('nosuch', server.port)), /404/);
  });

  it('names the node by SNI first, then by Host', () => {
    assert.equal(requestedNode('h-3', 'h-4:10250'), 'h-3');
    assert.equal(requestedNode(false, 'h-4:10250'), 'h-4');
    assert.equal(requestedNode(undefined, '[::1]:443'), '::1');
  });
});

function get(port: number, host: string, cert: { certPem: string; keyPem: string } | undefined): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/stats/summary', headers: { Host: host }, rejectUnauthorized: false, servername: '', agent: false, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getJson(port: number, host: string, cert: { certPem: string; keyPem: string }): Promise<any> {
  const r = await get(port, host, cert);
  assert.equal(r.code, 200, r.body);
  return JSON.parse(r.body);
}
