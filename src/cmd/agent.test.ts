import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentFlags, joinServer } from './agent.ts';
import { ensurePki } from '../apiserver/pki/index.ts';
import type { Pki } from '../apiserver/pki/index.ts';
import { caHash } from '../apiserver/join-token.ts';

const HASH = 'ab'.repeat(32);
const TOKEN = `K10${HASH}::server:pw`;

describe('parseAgentFlags', () => {
  it('reads the flags and fills defaults', () => {
    const f = parseAgentFlags(['--server', 'https://10.0.0.1:6443', '--token', TOKEN, '--node-name', 'w1', '--node-labels', 'role=worker',
      '--node-taint', 'a=b:NoSchedule', '--node-taint', 'c:NoExecute', '--node-ip', '10.0.0.2'], {});
    assert.equal(f.server.origin, 'https://10.0.0.1:6443');
    assert.deepEqual(f.token, { caHash: HASH, username: 'server', password: 'pw' });
    assert.equal(f.dataDir, '/var/lib/k8ts-agent');
    assert.deepEqual(f.nodeTaints, ['a=b:NoSchedule', 'c:NoExecute']);
    assert.equal(f.nodeIP, '10.0.0.2');
  });
  it('takes --server and --token from K8TS_URL and K8TS_TOKEN as k3s does from K3S_URL and K3S_TOKEN', () => {
    const f = parseAgentFlags(['--node-name', 'w1'], { K8TS_URL: 'https://h:1', K8TS_TOKEN: TOKEN });
    assert.equal(f.server.origin, 'https://h:1');
    assert.equal(f.token.password, 'pw');
  });
  const bad: [string, string[], RegExp][] = [
    ['no server', ['--token', TOKEN], /--server is required/],
    ['an http server', ['--server', 'http://h:1', '--token', TOKEN], /must be an https:\/\/ URL/],
    ['a server that is no URL', ['--server', 'not a url', '--token', TOKEN], /must be a URL/],
    ['no token', ['--server', 'https://h:1'], /--token is required.*DATA_DIR\/token/],
    ['a malformed token', ['--server', 'https://h:1', '--token', 'K10abc::server:pw'], /--token is malformed: .*64 hex digits/],
    ['a bad node name', ['--server', 'https://h:1', '--token', TOKEN, '--node-name', 'Bad_Name'], /not a valid DNS subdomain/],
    ['a bad node IP', ['--server', 'https://h:1', '--token', TOKEN, '--node-name', 'w', '--node-ip', 'x'], /--node-ip must be an IP/],
    ['a bad taint', ['--server', 'https://h:1', '--token', TOKEN, '--node-name', 'w', '--node-taint', 'a=b'], /invalid taint spec/],
    ['a bad label', ['--server', 'https://h:1', '--token', TOKEN, '--node-name', 'w', '--node-labels', 'nolabel'], /not key=value/],
  ];
  for (const [name, argv, re] of bad) it(`refuses ${name}`, () => assert.throws(() => parseAgentFlags(argv, {}), re));
});

describe('joinServer against a fake server', () => {
  let dir = '';
  let pki: Pki;
  let server: Server;
  let url: URL;
  let joins = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-agent-'));
    pki = await ensurePki({ dir, hostAddresses: [] });
    server = createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem }, (req, res) => {
      if (req.url === '/cacerts') return void res.end(pki.caCertPem);
      joins++;
      if (req.headers.authorization !== `Basic ${Buffer.from('node:pw').toString('base64')}`) {
        res.writeHead(401).end('{"kind":"Status","message":"Unauthorized"}');
        return;
      }
      res.end(JSON.stringify({ caPem: pki.caCertPem, clientCertPem: 'c', clientKeyPem: 'k', servingCertPem: 's', servingKeyPem: 'sk', podCIDR: '10.42.1.0/24', server: 'x' }));
    });
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('joins when the CA hash matches', async () => {
    const r = await joinServer(url, { caHash: caHash(pki.caCertPem), username: 'server', password: 'pw' }, 'w1', '10.0.0.2');
    assert.equal(r.podCIDR, '10.42.1.0/24');
  });
  it('refuses a CA whose hash is not the token\'s, before sending the password', async () => {
    const before = joins;
    await assert.rejects(joinServer(url, { caHash: HASH, username: 'server', password: 'pw' }, 'w1', '10.0.0.2'),
      /token CA hash does not match the Cluster CA certificate hash: .*The token is not for the server at https:\/\/127\.0\.0\.1:\d+/);
    assert.equal(joins, before);
  });
  it('says the token was rejected on 401', async () => {
    await assert.rejects(joinServer(url, { caHash: '', username: 'node', password: 'wrong' }, 'w1', '10.0.0.2'), /rejected the token \(401 Unauthorized\)/);
  });
  it('says the server is unreachable when nothing listens', async () => {
    await assert.rejects(joinServer(new URL('https://127.0.0.1:1'), { caHash: '', username: 'node', password: 'pw' }, 'w1', '10.0.0.2'),
      /cannot reach the k8ts server at https:\/\/127\.0\.0\.1:1 \(ECONNREFUSED/);
  });
  it('says when the certificate does not name the host it was reached by', async () => {
    const byName = new URL(url.href.replace('127.0.0.1', 'localhost'));
    // localhost is in the serving certificate; 127.0.0.2 reaches the same socket but is not.
    const other = new URL(url.href.replace('127.0.0.1', '127.0.0.2'));
    assert.equal((await joinServer(byName, { caHash: '', username: 'node', password: 'pw' }, 'w1', '10.0.0.2')).podCIDR, '10.42.1.0/24');
    await assert.rejects(joinServer(other, { caHash: '', username: 'node', password: 'pw' }, 'w1', '10.0.0.2'), /does not name 127\.0\.0\.2.*--tls-san 127\.0\.0\.2/);
  });
});
