import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../apiserver/pki/index.ts';
import type { IssuedCert } from '../../apiserver/pki/index.ts';
import { startKubeletServer } from './index.ts';
import type { KubeletServer } from './index.ts';

interface Answer { code: number; body: string }

function get(port: number, path: string, client: IssuedCert | undefined, ca: string, onData?: (s: string) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', ...(client ? { cert: client.certPem, key: client.keyPem } : {}), agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; onData?.(String(d)); });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('kubelet HTTPS server', () => {
  let dir: string;
  let server: KubeletServer;
  let client: IssuedCert;
  let ca: string;
  let running = true;
  const pod = {
    metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'c' }] },
    status: { containerStatuses: [{ name: 'c', state: { running: {} }, containerID: 'containerd://abc', restartCount: 0 }] },
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-server-'));
    const pki = await ensurePki({ dir: join(dir, 'tls'), hostAddresses: [] });
    ca = pki.caCertPem;
    client = await pki.issueClientCert('system:kube-apiserver-kubelet-client', ['system:masters']);
    const serving = await pki.issueServingCert('system:node:n1', ['n1', 'localhost', '127.0.0.1']);
    mkdirSync(join(dir, 'logs/default_p_u1/c'), { recursive: true });
    writeFileSync(join(dir, 'logs/default_p_u1/c/0.log'), '2024-05-01T10:00:00Z stdout F one\n2024-05-01T10:00:01Z stderr F two\n');
    server = await startKubeletServer({
      port: 0, address: '127.0.0.1', tls: { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: pki.clientCaPem },
      host: {
        getPod: (ns, name) => (ns === 'default' && name === 'p' ? pod : undefined),
        podLogDir: () => join(dir, 'logs/default_p_u1'),
        containerStatus: async (id) => (id === 'abc' ? { running } : undefined),
      },
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses callers without a client certificate', async () => {
    assert.deepEqual(await get(server.port, '/containerLogs/default/p/c', undefined, ca), { code: 401, body: 'Unauthorized' });
  });

  const cases: { path: string; want: Answer }[] = [
    { path: '/containerLogs/default/p/c', want: { code: 200, body: 'one\ntwo\n' } },
    { path: '/containerLogs/default/p/c?tailLines=1&timestamps=true', want: { code: 200, body: '2024-05-01T10:00:01.000000000Z two\n' } },
    { path: '/containerLogs/default/p/c?limitBytes=2', want: { code: 200, body: 'on' } },
    { path: '/containerLogs/default/q/c', want: { code: 404, body: 'pod "q" does not exist' } },
    { path: '/containerLogs/default/p/x', want: { code: 404, body: 'container "x" not found in pod "p"' } },
    { path: '/containerLogs/default/p/c?previous=true', want: { code: 400, body: 'previous terminated container "c" in pod "p" not found' } },
    { path: '/containerLogs/default/p/c?tailLines=-2', want: { code: 422, body: 'tailLines: Invalid value: -2: must be greater than or equal to 0' } },
    { path: '/stats/summary', want: { code: 404, body: '404 page not found' } },
  ];
  for (const c of cases) {
    it(`GET ${c.path}`, async () => assert.deepEqual(await get(server.port, c.path, client, ca), c.want));
  }

  it('follows a running container and ends when it exits', async () => {
    const seen: string[] = [];
    const done = get(server.port, '/containerLogs/default/p/c?follow=true&tailLines=0', client, ca, (s) => seen.push(s));
    await new Promise((r) => setTimeout(r, 200));
    appendFileSync(join(dir, 'logs/default_p_u1/c/0.log'), '2024-05-01T10:00:02Z stdout F three\n');
    for (let i = 0; i < 50 && !seen.join('').includes('three'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.join(''), 'three\n');
    running = false;
    assert.deepEqual(await done, { code: 200, body: 'three\n' });
  });
});
