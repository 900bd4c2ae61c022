import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createMemoryBackend } from '../storage/memory/index.ts';
import { ensurePki } from './pki/index.ts';
import type { Pki } from './pki/index.ts';
import { createAuthenticator } from './authn/index.ts';
import { startApiServer } from './server.ts';
import type { ApiServer } from './server.ts';
import { choosePodCIDR, createJoinHandler, parseJoinRequest, presentedPassword } from './join.ts';

const PASSWORD = 'f00dcafe';

describe('choosePodCIDR', () => {
  const node = (name: string, podCIDR?: string) => ({ metadata: { name }, spec: podCIDR ? { podCIDR } : {} });
  const cases: [string, any[], Record<string, string>, string[], string, string][] = [
    ['the first free after the reserved one', [], {}, ['10.42.0.0/24'], 'a', '10.42.1.0/24'],
    ['skips other Nodes\' CIDRs', [node('x', '10.42.1.0/24')], {}, ['10.42.0.0/24'], 'a', '10.42.2.0/24'],
    ['skips CIDRs remembered for other names', [], { b: '10.42.1.0/24' }, ['10.42.0.0/24'], 'a', '10.42.2.0/24'],
    ['keeps the CIDR its Node already has', [node('a', '10.42.7.0/24')], { a: '10.42.3.0/24' }, [], 'a', '10.42.7.0/24'],
    ['keeps the remembered CIDR', [node('x', '10.42.1.0/24')], { a: '10.42.5.0/24' }, ['10.42.0.0/24'], 'a', '10.42.5.0/24'],
    ['drops the remembered CIDR once another Node took it', [node('x', '10.42.5.0/24')], { a: '10.42.5.0/24' }, ['10.42.0.0/24'], 'a', '10.42.1.0/24'],
    ['ignores an own Node CIDR outside the cluster range', [node('a', '192.168.0.0/24')], {}, [], 'a', '10.42.0.0/24'],
  ];
  for (const [name, nodes, alloc, reserved, nodeName, want] of cases) {
    it(name, () => assert.equal(choosePodCIDR('10.42.0.0/16', nodeName, nodes, alloc, reserved), want));
  }
});

describe('join request parsing', () => {
  it('reads the password from Bearer and Basic', () => {
    assert.equal(presentedPassword(`Bearer ${PASSWORD}`), PASSWORD);
    assert.equal(presentedPassword(`Basic ${Buffer.from(`node:${PASSWORD}`).toString('base64')}`), PASSWORD);
    assert.equal(presentedPassword(`Basic ${Buffer.from('nocolon').toString('base64')}`), undefined);
    assert.equal(presentedPassword(undefined), undefined);
  });
  const bad: [string, string, RegExp][] = [
    ['not JSON', '{', /not JSON/],
    ['an array', '[]', /JSON object/],
    ['no nodeName', '{}', /nodeName is required/],
    ['an invalid nodeName', '{"nodeName":"Bad_Name"}', /not a valid DNS subdomain/],
    ['an invalid nodeIP', '{"nodeName":"a","nodeIP":"10.0.0"}', /not an IP address/],
  ];
  for (const [name, body, re] of bad) {
    it(`refuses ${name} with 400`, () => assert.throws(() => parseJoinRequest(body), (e: any) => e.status.code === 400 && re.test(e.status.message)));
  }
});

describe('join endpoints on a real apiserver', () => {
  let dir = '';
  let pki: Pki;
  let server: ApiServer;
  const call = (method: string, path: string, opts: { auth?: string; body?: string; admin?: boolean } = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port: server.port, path, method, ca: pki.caCertPem,
        ...(opts.admin ? { cert: pki.adminCertPem, key: pki.adminKeyPem } : {}),
        headers: { ...(opts.auth ? { Authorization: opts.auth } : {}), 'Content-Type': 'application/json' },
      }, (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  const joinAs = (nodeName: string, nodeIP?: string) => call('POST', '/v1-k8ts/join', { auth: `Bearer ${PASSWORD}`, body: JSON.stringify({ nodeName, nodeIP }) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-join-'));
    pki = await ensurePki({ dir, hostAddresses: [] });
    const backend = createMemoryBackend();
    server = await startApiServer({
      backend, port: 0, bindAddress: '127.0.0.1', tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.clientCaPem },
      authenticator: createAuthenticator({ clientCaPem: pki.clientCaPem, tokens: new Map() }),
      join: createJoinHandler({ caPem: pki.caCertPem, password: PASSWORD, pki, clusterCIDR: '10.42.0.0/16', reserved: ['10.42.0.0/24'], allocationsFile: join(dir, 'pod-cidrs.json') }),
    });
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the CA bundle at /cacerts without authentication', async () => {
    const r = await call('GET', '/cacerts');
    assert.equal(r.status, 200);
    assert.equal(r.body, pki.caCertPem);
  });

  it('refuses a missing or wrong password with a 401 Status, and a bad body with a 400 Status', async () => {
    for (const auth of [undefined, 'Bearer nope', `Basic ${Buffer.from('node:nope').toString('base64')}`]) {
      const r = await call('POST', '/v1-k8ts/join', { auth, body: '{"nodeName":"a"}' });
      assert.equal(r.status, 401);
      assert.deepEqual(JSON.parse(r.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    const bad = await call('POST', '/v1-k8ts/join', { auth: `Bearer ${PASSWORD}`, body: '{"nodeName":""}' });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).reason, 'BadRequest');
    assert.equal((await call('GET', '/v1-k8ts/join', { auth: `Bearer ${PASSWORD}` })).status, 405);
  });

  it('issues a node client certificate, a serving certificate for the node\'s name and IP, and distinct /24s', async () => {
    const r = await call('POST', '/v1-k8ts/join', { auth: `Basic ${Buffer.from(`node:${PASSWORD}`).toString('base64')}`, body: JSON.stringify({ nodeName: 'worker-a', nodeIP: '192.0.2.7' }) });
    assert.equal(r.status, 200, r.body);
    const a = JSON.parse(r.body);
    assert.equal(a.caPem, pki.caCertPem);
    assert.equal(a.podCIDR, '10.42.1.0/24');
    assert.equal(a.server, `https://127.0.0.1:${server.port}`);
    const ca = new X509Certificate(pki.caCertPem);
    const client = new X509Certificate(a.clientCertPem);
    assert.ok(client.verify(ca.publicKey));
    assert.match(client.subject, /CN=system:node:worker-a/);
    assert.match(client.subject, /O=system:nodes/);
    assert.match(client.subject, /O=system:masters/);
    assert.ok(client.checkPrivateKey((await import('node:crypto')).createPrivateKey(a.clientKeyPem)));
    const serving = new X509Certificate(a.servingCertPem);
    assert.ok(serving.verify(ca.publicKey));
    assert.ok(serving.checkHost('worker-a'));
    assert.ok(serving.checkIP('192.0.2.7'));

    const b = JSON.parse((await joinAs('worker-b')).body);
    assert.equal(b.podCIDR, '10.42.2.0/24');
    // Without nodeIP the serving certificate names the address the join came from.
    assert.ok(new X509Certificate(b.servingCertPem).checkIP('127.0.0.1'));
    assert.equal(JSON.parse((await joinAs('worker-a')).body).podCIDR, '10.42.1.0/24', 'the same node joins again and keeps its /24');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'pod-cidrs.json'), 'utf8')), { 'worker-a': '10.42.1.0/24', 'worker-b': '10.42.2.0/24' });
  });

  it('never hands out a /24 an existing Node has, even to many joins at once', async () => {
    const created = await call('POST', '/api/v1/nodes', { admin: true, body: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'manual' }, spec: { podCIDR: '10.42.3.0/24' } }) });
    assert.equal(created.status, 201, created.body);
    const names = ['c1', 'c2', 'c3', 'c4', 'c5'];
    const results = await Promise.all(names.map((n) => joinAs(n)));
    const cidrs = results.map((r) => JSON.parse(r.body).podCIDR);
    assert.equal(new Set(cidrs).size, names.length);
    for (const c of cidrs) assert.ok(!['10.42.0.0/24', '10.42.1.0/24', '10.42.2.0/24', '10.42.3.0/24'].includes(c), c);
    assert.equal(JSON.parse((await joinAs('manual')).body).podCIDR, '10.42.3.0/24', 'a Node that has a /24 keeps it');
  });

  it('remembers allocations across a restart (a new server with an empty store)', async () => {
    const other = await startApiServer({
      backend: createMemoryBackend(), port: 0, bindAddress: '127.0.0.1', tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.clientCaPem },
      authenticator: createAuthenticator({ clientCaPem: pki.clientCaPem, tokens: new Map() }),
      join: createJoinHandler({ caPem: pki.caCertPem, password: PASSWORD, pki, clusterCIDR: '10.42.0.0/16', reserved: ['10.42.0.0/24'], allocationsFile: join(dir, 'pod-cidrs.json') }),
    });
    const first = server;
    server = other;
    try {
      assert.equal(JSON.parse((await joinAs('worker-b')).body).podCIDR, '10.42.2.0/24');
      // This store has no Nodes: only the file knows .1-.8 are taken (a, b, manual, c1-c5).
      assert.equal(JSON.parse((await joinAs('fresh')).body).podCIDR, '10.42.9.0/24');
      const remembered = Object.values(JSON.parse(readFileSync(join(dir, 'pod-cidrs.json'), 'utf8')));
      assert.equal(new Set(remembered).size, remembered.length);
    } finally {
      server = first;
      await other.close();
    }
  });
});
