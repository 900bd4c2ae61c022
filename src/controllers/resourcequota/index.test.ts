import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceQuotaController } from './index.ts';

const fakeInformer = (objs: any[]) => ({
  get: (key: string) => objs.find((o) => `${o.metadata.namespace}/${o.metadata.name}` === key),
  list: () => objs,
  byIndex: (_i: string, ns: string) => objs.filter((o) => o.metadata.namespace === ns),
}) as any;

function fakeClient(lists: Record<string, any[]>) {
  const updates: any[] = [];
  return {
    updates,
    client: {
      list: async (r: any, ns: string) => ({ items: (lists[r.resource] ?? []).filter((o) => o.metadata.namespace === ns) }),
      update: async (_r: any, _ns: string, obj: any, opts: any) => { assert.equal(opts.subresource, 'status'); updates.push(obj); return obj; },
    } as any,
  };
}

const pod = (name: string, ns: string, cpu?: string, phase = 'Pending') => ({
  metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', resources: cpu ? { requests: { cpu } } : {} }] }, status: { phase },
});

describe('ResourceQuotaController', () => {
  it('computes status.hard and status.used from the namespace', async () => {
    const q = { metadata: { name: 'q', namespace: 'a', resourceVersion: '5' }, spec: { hard: { pods: '10', 'requests.cpu': '4', configmaps: '3', 'count/secrets': '9' } } };
    const pods = fakeInformer([pod('p1', 'a', '250m'), pod('p2', 'a', '1'), pod('done', 'a', '8', 'Succeeded'), pod('elsewhere', 'b', '8')]);
    const { client, updates } = fakeClient({ configmaps: [{ metadata: { name: 'x', namespace: 'a' } }, { metadata: { name: 'y', namespace: 'b' } }] });
    const ctl = new ResourceQuotaController({ client, quotas: fakeInformer([q]), pods, resyncMs: 1000 });
    assert.deepEqual(await ctl.reconcile('a/q'), { requeueAfterMs: 1000 });
    assert.equal(updates.length, 1);
    assert.equal(updates[0].metadata.resourceVersion, '5');
    assert.deepEqual(updates[0].status, { hard: q.spec.hard, used: { pods: '2', 'requests.cpu': '1250m', configmaps: '1', 'count/secrets': '0' } });
  });

  it('writes nothing when the status is current', async () => {
    const hard = { pods: '2' };
    const q = { metadata: { name: 'q', namespace: 'a' }, spec: { hard }, status: { hard, used: { pods: '1' } } };
    const { client, updates } = fakeClient({});
    await new ResourceQuotaController({ client, quotas: fakeInformer([q]), pods: fakeInformer([pod('p', 'a')]) }).reconcile('a/q');
    assert.equal(updates.length, 0);
  });

  it('honours scopes', async () => {
    const q = { metadata: { name: 'q', namespace: 'a' }, spec: { hard: { pods: '5' }, scopes: ['BestEffort'] } };
    const { client, updates } = fakeClient({});
    await new ResourceQuotaController({ client, quotas: fakeInformer([q]), pods: fakeInformer([pod('be', 'a'), pod('burst', 'a', '1')]) }).reconcile('a/q');
    assert.deepEqual(updates[0].status.used, { pods: '1' });
  });

  it('maps a namespace to its quotas, and forgets deleted quotas', async () => {
    const { client, updates } = fakeClient({});
    const ctl = new ResourceQuotaController({ client, quotas: fakeInformer([{ metadata: { name: 'q', namespace: 'a' }, spec: {} }]), pods: fakeInformer([]) });
    assert.deepEqual(ctl.quotasIn('a'), ['a/q']);
    assert.deepEqual(ctl.quotasIn('b'), []);
    assert.equal(await ctl.reconcile('a/gone'), undefined);
    assert.equal(updates.length, 0);
  });
});
