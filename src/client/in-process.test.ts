import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryBackend } from '../storage/memory/index.ts';
import { ensurePki } from '../apiserver/pki/index.ts';
import { createAuthenticator } from '../apiserver/authn/index.ts';
import { startApiServer } from '../apiserver/server.ts';
import type { ApiServer } from '../apiserver/server.ts';
import { RESOURCES } from '../api/resources.ts';
import { Client } from './rest.ts';
import type { WatchEvent } from './rest.ts';
import { inProcessClientConfig } from './in-process.ts';

const find = (group: string, resource: string) => RESOURCES.find((r) => r.group === group && r.resource === resource)!;
const configMaps = find('', 'configmaps');
const namespaces = find('', 'namespaces');
const code = (err: any) => err?.status?.code;

describe('the in-process client, against a real API server', () => {
  let dir = '';
  let server: ApiServer;
  let client: Client;
  let caPem = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-inproc-'));
    const pki = await ensurePki({ dir, hostAddresses: [] });
    caPem = pki.caCertPem;
    server = await startApiServer({
      backend: createMemoryBackend(), port: 0, bindAddress: '127.0.0.1',
      tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.clientCaPem },
      authenticator: createAuthenticator({ clientCaPem: pki.clientCaPem, tokens: new Map() }),
    });
    client = new Client(inProcessClientConfig(server.loopback));
  });
  after(async () => {
    client?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates as upstream\'s loopback user, system:apiserver in system:masters', async () => {
    const review = await client.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(review.status.userInfo.username, 'system:apiserver');
    assert.ok(review.status.userInfo.groups.includes('system:masters'));
  });

  it('creates, reads, lists and watches through the whole handler chain', async () => {
    await client.create(namespaces, '', { metadata: { name: 'inproc' } });
    const events: WatchEvent[] = [];
    const list = await client.list(configMaps, 'inproc');
    const watch = client.watch(configMaps, 'inproc', { resourceVersion: list.metadata.resourceVersion }, (e) => events.push(e));
    const created = await client.create(configMaps, 'inproc', { metadata: { name: 'a' }, data: { k: 'v' } });
    assert.ok(created.metadata.uid, 'the registry filled in metadata');
    assert.equal((await client.get(configMaps, 'inproc', 'a')).data.k, 'v');
    assert.deepEqual((await client.list(configMaps, 'inproc')).items.map((c: any) => c.metadata.name), ['a']);
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    watch.close();
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0]?.object.metadata.name, 'a');
  });

  it('is refused by admission and validation as any client is', async () => {
    // NamespaceLifecycle admission: no such namespace.
    await assert.rejects(client.create(configMaps, 'missing', { metadata: { name: 'a' } }), (e) => code(e) === 404);
    await assert.rejects(client.create(configMaps, 'inproc', { metadata: { name: 'Not_Valid' } }), (e) => code(e) === 422);
  });

  it('still authenticates: another token on the in-memory connection gets 401', async () => {
    const stranger = new Client({ ...inProcessClientConfig(server.loopback), token: 'not-the-loopback-token' });
    try {
      await assert.rejects(stranger.list(configMaps, 'inproc'), (e) => code(e) === 401);
    } finally {
      stranger.close();
    }
  });

  it('the loopback token is not accepted over the network listener', async () => {
    const remote = new Client({ server: `https://127.0.0.1:${server.port}`, caPem, token: server.loopback.token });
    try {
      await assert.rejects(remote.list(configMaps, 'inproc'), (e) => code(e) === 401);
    } finally {
      remote.close();
    }
  });
});
