import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../api/resources.ts';
import { resourceQuota } from './resource-quota.ts';
import type { QuotaAccess } from './resource-quota.ts';
import type { AdmissionAttributes } from './index.ts';

const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
const SERVICES = RESOURCES.find((r) => r.group === '' && r.resource === 'services')!;

/** A quota store that behaves like guaranteedUpdate: re-reads on every attempt, and yields between read and write. */
function fakeStore(quotas: any[]): QuotaAccess & { quotas: any[]; writes: number } {
  const s = {
    quotas, writes: 0,
    list: (ns: string) => s.quotas.filter((q) => q.metadata.namespace === ns).map((q) => structuredClone(q)),
    async update(ns: string, name: string, mutate: (c: any) => any) {
      for (;;) {
        const cur = s.quotas.find((q) => q.metadata.namespace === ns && q.metadata.name === name);
        const rv = cur.metadata.resourceVersion;
        const next = mutate(structuredClone(cur));
        await new Promise((r) => setImmediate(r));
        const now = s.quotas.find((q) => q.metadata.name === name);
        if (now.metadata.resourceVersion !== rv) continue; // conflict: retry
        next.metadata.resourceVersion = String(Number(rv) + 1);
        s.quotas[s.quotas.indexOf(now)] = next;
        s.writes++;
        return next;
      }
    },
  };
  return s;
}

const quota = (name: string, hard: any, used?: any, extra: any = {}) => ({ metadata: { name, namespace: 'ns', resourceVersion: '1' }, spec: { hard, ...extra }, ...(used ? { status: { hard, used } } : {}) });
const podAttrs = (name: string, containers: any[] = [{ name: 'c' }], over: Partial<AdmissionAttributes> = {}): AdmissionAttributes => ({
  operation: 'CREATE', resource: PODS, subresource: '', namespace: 'ns', name, object: { metadata: { name, namespace: 'ns' }, spec: { containers } },
  user: { username: 'u', groups: [] } as any, dryRun: false, ...over,
});

async function rejection(p: Promise<void> | void): Promise<{ code: number; reason: string; message: string }> {
  try { await p; } catch (err: any) { return { code: err.status.code, reason: err.status.reason, message: err.status.message }; }
  throw new Error('expected a rejection');
}

describe('ResourceQuota admission', () => {
  it('rejects the pod over the limit with upstream\'s message', async () => {
    const store = fakeStore([quota('q', { pods: '2' }, { pods: '2' })]);
    const r = await rejection(resourceQuota(store).validate!(podAttrs('p3')));
    assert.deepEqual(r, { code: 403, reason: 'Forbidden', message: 'pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2' });
  });

  it('charges usage at once, so the second of two quick creates fails', async () => {
    const store = fakeStore([quota('q', { pods: '1', 'requests.cpu': '1' }, { pods: '0', 'requests.cpu': '0' })]);
    const plugin = resourceQuota(store);
    const both = await Promise.allSettled([plugin.validate!(podAttrs('a', [{ name: 'c', resources: { requests: { cpu: '500m' } } }])), plugin.validate!(podAttrs('b', [{ name: 'c', resources: { requests: { cpu: '500m' } } }]))]);
    assert.deepEqual(both.map((x) => x.status).sort(), ['fulfilled', 'rejected']);
    assert.deepEqual(store.quotas[0].status.used, { pods: '1', 'requests.cpu': '500m' });
  });

  it('names compute resources in the message', async () => {
    const store = fakeStore([quota('cpu', { 'requests.cpu': '1' }, { 'requests.cpu': '1' })]);
    const r = await rejection(resourceQuota(store).validate!(podAttrs('p', [{ name: 'c', resources: { requests: { cpu: '500m' } } }])));
    assert.equal(r.message, 'pods "p" is forbidden: exceeded quota: cpu, requested: requests.cpu=500m, used: requests.cpu=1, limited: requests.cpu=1');
  });

  it('refuses a pod without the request a quota constrains', async () => {
    const store = fakeStore([quota('cpu', { 'requests.cpu': '1' }, { 'requests.cpu': '0' })]);
    const r = await rejection(resourceQuota(store).validate!(podAttrs('p', [{ name: 'nginx' }])));
    assert.equal(r.message, 'pods "p" is forbidden: failed quota: cpu: must specify requests.cpu for: nginx');
  });

  it('refuses while the controller has not computed usage yet', async () => {
    const r = await rejection(resourceQuota(fakeStore([quota('q', { pods: '5' })])).validate!(podAttrs('p')));
    assert.equal(r.message, 'pods "p" is forbidden: status unknown for quota: q, resources: pods');
  });

  it('checks every quota and charges all that match', async () => {
    const store = fakeStore([quota('a', { pods: '5' }, { pods: '1' }), quota('b', { 'count/pods': '3' }, { 'count/pods': '0' }), quota('c', { pods: '1' }, { pods: '1' }, { scopes: ['Terminating'] })]);
    await resourceQuota(store).validate!(podAttrs('p'));
    assert.deepEqual(store.quotas.map((q) => q.status.used), [{ pods: '2' }, { 'count/pods': '1' }, { pods: '1' }]);
  });

  const passes: [string, AdmissionAttributes][] = [
    ['dry run charges nothing', podAttrs('p', undefined, { dryRun: true })],
    ['updates are not charged', podAttrs('p', undefined, { operation: 'UPDATE' })],
    ['subresources are not charged', podAttrs('p', undefined, { subresource: 'status' })],
    ['other namespaces', podAttrs('p', undefined, { namespace: 'other' })],
    ['kinds the quota does not track', { ...podAttrs('s'), resource: SERVICES, object: { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } } }],
  ];
  for (const [name, attrs] of passes) {
    it(name, async () => {
      const store = fakeStore([quota('q', { pods: '5' }, { pods: '1' })]);
      await resourceQuota(store).validate!(attrs);
      assert.equal(store.writes, 0);
    });
  }

  it('counts services and node ports', async () => {
    const store = fakeStore([quota('q', { services: '5', 'services.nodeports': '1' }, { services: '0', 'services.nodeports': '0' })]);
    const svc = (n: number) => ({ ...podAttrs('s'), resource: SERVICES, object: { metadata: { name: 's' }, spec: { type: 'NodePort', ports: Array.from({ length: n }, (_, i) => ({ port: 80 + i })) } } });
    const r = await rejection(resourceQuota(store).validate!(svc(2)));
    assert.equal(r.message, 'services "s" is forbidden: exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
    await resourceQuota(store).validate!(svc(1));
    assert.deepEqual(store.quotas[0].status.used, { services: '1', 'services.nodeports': '1' });
  });
});
