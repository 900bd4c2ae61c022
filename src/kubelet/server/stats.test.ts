import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../apiserver/pki/index.ts';
import type { IssuedCert } from '../../apiserver/pki/index.ts';
import { startKubeletServer } from './index.ts';
import type { KubeletServer } from './index.ts';
import type { Summary } from '../stats.ts';

function call(port: number, path: string, ca: string, client?: IssuedCert, method = 'GET'): Promise<{ code: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, ca, servername: 'localhost', agent: false, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /stats/summary', () => {
  let dir: string;
  let server: KubeletServer;
  let client: IssuedCert;
  let ca: string;
  const asked: boolean[] = [];
  const summary: Summary = {
    node: { nodeName: 'n1', startTime: 't0', cpu: { time: 't', usageNanoCores: 1, usageCoreNanoSeconds: 2 }, memory: { time: 't', usageBytes: 3, workingSetBytes: 4, rssBytes: 5 } },
    pods: [],
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-stats-'));
    const pki = await ensurePki({ dir: join(dir, 'tls'), hostAddresses: [] });
    ca = pki.caCertPem;
    client = await pki.issueClientCert('system:kube-apiserver-kubelet-client', ['system:masters']);
    const serving = await pki.issueServingCert('system:node:n1', ['n1', 'localhost', '127.0.0.1']);
    server = await startKubeletServer({
      port: 0, address: '127.0.0.1', tls: { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: pki.clientCaPem },
      host: {
        getPod: () => undefined, podLogDir: () => dir, containerStatus: async () => undefined,
        summary: async (o) => { asked.push(o.onlyCpuAndMemory); return summary; },
      },
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the apiserver with the Summary as JSON', async () => {
    const r = await call(server.port, '/stats/summary', ca, client);
    assert.equal(r.code, 200);
    assert.equal(r.type, 'application/json');
    assert.deepEqual(JSON.parse(r.body), summary);
    await call(server.port, '/stats/summary?only_cpu_and_memory=true', ca, client);
    assert.deepEqual(asked, [false, true]);
  });

  it('refuses callers without the client certificate, and other methods', async () => {
    assert.deepEqual(await call(server.port, '/stats/summary', ca), { code: 401, type: 'text/plain; charset=utf-8', body: 'Unauthorized' });
    assert.equal((await call(server.port, '/stats/summary', ca, client, 'POST')).code, 405);
  });
});
