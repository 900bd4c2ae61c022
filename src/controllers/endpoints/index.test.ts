import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointsController } from './index.ts';
import { byLabelPair, bySelectorPair } from './podutil.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';

function cache(objs: Map<string, any>, indexer?: (o: any) => string[]): Informer {
  return {
    get: (key: string) => objs.get(key),
    list: () => [...objs.values()],
    byIndex: (_i: string, v: string) => [...objs.values()].filter((o) => indexer?.(o).includes(v)),
  } as unknown as Informer;
}

const readyPod = (name: string, ip: string) => ({
  metadata: { namespace: 'ns', name, uid: name, labels: { app: 'web' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
});

test('a sync waits for the cache to show its own last write instead of writing into a conflict', async () => {
  const services = new Map([['ns/web', { metadata: { namespace: 'ns', name: 'web', uid: 's1' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] } }]]);
  const pods = new Map([['ns/a', readyPod('a', '10.0.0.1')]]);
  const endpoints = new Map<string, any>();
  let rv = 0;
  const writes: string[] = [];
  const client = {
    async create(_r: any, _ns: string, obj: any) { writes.push(`create ${obj.subsets[0].addresses.length}`); return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } }; },
    async update(_r: any, _ns: string, obj: any) { writes.push(`update ${obj.subsets[0].addresses.length} at ${obj.metadata.resourceVersion}`); return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } }; },
  } as unknown as Client;
  const ctl = new EndpointsController({ client, services: cache(services, bySelectorPair), pods: cache(pods, byLabelPair), endpoints: cache(endpoints) });

  assert.equal(await ctl.reconcile('ns/web'), undefined);
  assert.deepEqual(writes, ['create 1']);
  // Another pod gets ready before the watch has brought the created Endpoints.
  pods.set('ns/b', readyPod('b', '10.0.0.2'));
  assert.deepEqual(await ctl.reconcile('ns/web'), { requeueAfterMs: 100 });
  assert.deepEqual(writes, ['create 1']);
  // The cache catches up: the next sync updates from the version the create made.
  endpoints.set('ns/web', { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'ns', name: 'web', resourceVersion: '1' }, subsets: [] });
  assert.equal(await ctl.reconcile('ns/web'), undefined);
  assert.deepEqual(writes, ['create 1', 'update 2 at 1']);
  pods.set('ns/c', readyPod('c', '10.0.0.3'));
  assert.deepEqual(await ctl.reconcile('ns/web'), { requeueAfterMs: 100 });
  endpoints.set('ns/web', { ...endpoints.get('ns/web'), metadata: { ...endpoints.get('ns/web').metadata, resourceVersion: '2' } });
  assert.equal(await ctl.reconcile('ns/web'), undefined);
  assert.deepEqual(writes, ['create 1', 'update 2 at 1', 'update 3 at 2']);
});
