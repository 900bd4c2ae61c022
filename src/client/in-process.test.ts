import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../api/resources.ts';
import { Client } from './rest.ts';
import type { WatchEvent } from './rest.ts';
import { inProcessClientConfig } from './in-process.ts';
import { startTestApiServer } from '../../test/support/apiserver.ts';
import type { TestApiServer } from '../../test/support/apiserver.ts';

const find = (group: string, resource: string) => RESOURCES.find((r) => r.group === group && r.resource === resource)!;
const configMaps = find('', 'configmaps');
const namespaces = find('', 'namespaces');
const code = (err: any) => err?.status?.code;

describe('the in-process client, against a real API server', () => {
  let t: TestApiServer;
  let client: Client;
  before(async () => {
    t = await startTestApiServer();
    client = t.client;
  });
  after(() => t?.close());

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
    const stranger = new Client({ ...inProcessClientConfig(t.server.loopback), token: 'not-the-loopback-token' });
    try {
      await assert.rejects(stranger.list(configMaps, 'inproc'), (e) => code(e) === 401);
    } finally {
      stranger.close();
    }
  });

  it('the loopback token is not accepted over the network listener', async () => {
    const remote = new Client({ server: `https://127.0.0.1:${t.server.port}`, caPem: t.pki.caCertPem, token: t.server.loopback.token });
    try {
      await assert.rejects(remote.list(configMaps, 'inproc'), (e) => code(e) === 401);
    } finally {
      remote.close();
    }
  });
});
