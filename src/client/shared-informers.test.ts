import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../api/resources.ts';
import type { Client, WatchEvent } from './rest.ts';
import { SharedInformers } from './shared-informers.ts';
import { byNamespace, byOwnerUid } from './informer.ts';

const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;

/** A client whose lists return `items` and whose watches stay open until closed; it counts the calls. */
function fakeClient(items: any[]) {
  const calls: string[] = [];
  const watchers: ((ev: WatchEvent) => void)[] = [];
  const client = {
    async list(r: any, ns: string, opts: any) {
      calls.push(`list ${r.resource} ${ns} ${opts.labelSelector ?? ''}`);
      return { items: r === PODS ? items : [], metadata: { resourceVersion: '10' } };
    },
    watch(r: any, ns: string, opts: any, onEvent: (ev: WatchEvent) => void) {
      calls.push(`watch ${r.resource} ${ns} ${opts.labelSelector ?? ''}`);
      watchers.push(onEvent);
      let close!: () => void;
      const done = new Promise<void>((res) => { close = res; });
      return { done, close };
    },
  };
  return { client: client as unknown as Client, calls, send: (ev: WatchEvent) => { for (const w of watchers) w(ev); } };
}

const pod = (ns: string, name: string, owner?: string) => ({ metadata: { namespace: ns, name, resourceVersion: '1', ...(owner ? { ownerReferences: [{ uid: owner, controller: true }] } : {}) } });

describe('SharedInformers', () => {
  it('hands every reader of a resource the same informer, listed and watched once', async () => {
    const { client, calls } = fakeClient([pod('a', 'p1')]);
    const shared = new SharedInformers(client);
    const one = shared.informer(PODS, { indexers: { namespace: byNamespace } });
    const two = shared.informer(PODS, { indexers: { owner: byOwnerUid } });
    assert.equal(one, two);
    one.start();
    two.start();
    await Promise.all([one.waitForSync(), two.waitForSync()]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ['list pods  ', 'watch pods  ']);
    one.stop();
  });

  it('keeps informers of another scope or resource apart', () => {
    const { client } = fakeClient([]);
    const shared = new SharedInformers(client);
    const all = shared.informer(PODS);
    assert.notEqual(shared.informer(PODS, { labelSelector: 'app=x' }), all);
    assert.notEqual(shared.informer(PODS, { namespace: 'a' }), all);
    assert.notEqual(shared.informer(NODES), all);
    assert.equal(shared.informer(PODS, {}), all);
  });

  it('gathers the indexes of every reader, including one added after the cache filled', async () => {
    const { client, send } = fakeClient([pod('a', 'p1', 'rs1'), pod('b', 'p2')]);
    const shared = new SharedInformers(client);
    const inf = shared.informer(PODS, { indexers: { namespace: byNamespace } });
    inf.start();
    await inf.waitForSync();
    shared.informer(PODS, { indexers: { owner: byOwnerUid, namespace: byNamespace } });
    assert.deepEqual(inf.byIndex('owner', 'rs1').map((p) => p.metadata.name), ['p1']);
    await new Promise((r) => setImmediate(r));
    send({ type: 'ADDED', object: pod('a', 'p3', 'rs1') });
    assert.deepEqual(inf.byIndex('owner', 'rs1').map((p) => p.metadata.name), ['p1', 'p3']);
    assert.deepEqual(inf.byIndex('namespace', 'a').map((p) => p.metadata.name), ['p1', 'p3']);
    inf.stop();
  });

  it('refuses one index name for two functions', () => {
    const { client } = fakeClient([]);
    const shared = new SharedInformers(client);
    shared.informer(PODS, { indexers: { namespace: byNamespace } });
    assert.throws(() => shared.informer(PODS, { indexers: { namespace: byOwnerUid } }), /index "namespace" is already defined/);
  });
});
