import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointSliceMirroringController, byMirroredEndpoints } from './index.ts';

const ep = (labels: any = {}, annotations: any = {}, subsets: any[] = [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432, protocol: 'TCP' }] }]) =>
  ({ metadata: { name: 'db', namespace: 'ns', uid: 'u', labels, annotations }, subsets });
const svc = (selector?: any) => ({ metadata: { name: 'db', namespace: 'ns' }, spec: selector ? { selector } : {} });
const mirrored = (name: string, rv = '5') => ({ metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' } }, addressType: 'IPv4', ports: [{ name: '', port: 1, protocol: 'TCP' }], endpoints: [] });
const one = (o: any) => ({ get: (k: string) => (o && `${o.metadata.namespace}/${o.metadata.name}` === k ? o : undefined) });

function setup(e: any, s: any, slices: any[] = []) {
  const calls: string[] = [];
  const events: string[] = [];
  let rv = 10;
  const client: any = {
    create: async (_r: any, _ns: string, obj: any) => { calls.push(`create ${obj.metadata.generateName}`); return { ...obj, metadata: { ...obj.metadata, name: 'db-abcde', resourceVersion: String(++rv) } }; },
    update: async (_r: any, _ns: string, obj: any) => { calls.push(`update ${obj.metadata.name}`); return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } }; },
    delete: async (_r: any, _ns: string, name: string) => { calls.push(`delete ${name}`); },
  };
  const sliceInf = { byIndex: (i: string, k: string) => (i === 'mirrored' ? slices.filter((x) => byMirroredEndpoints(x).includes(k)) : []) };
  const ctl = new EndpointSliceMirroringController({ client, endpoints: one(e) as any, services: one(s) as any, slices: sliceInf as any, recorder: { event: (_o, t, r, m) => events.push(`${t} ${r} ${m}`) } });
  return { ctl, calls, events, slices };
}

describe('endpointslice mirroring', () => {
  const cases: [string, any, any, string[]][] = [
    ['mirrors the Endpoints of a selector-less Service', ep(), svc(), ['create db-']],
    ['skips a skip-mirror Endpoints and removes its slices', ep({ 'endpointslice.kubernetes.io/skip-mirror': 'true' }), svc(), ['delete old']],
    ['skips a leader election record', ep({}, { 'control-plane.alpha.kubernetes.io/leader': '{}' }), svc(), ['delete old']],
    ['leaves a Service with a selector to the endpoints controller', ep(), svc({ app: 'x' }), ['delete old']],
    ['an empty selector is still a selector', ep(), svc({}), ['delete old']],
    ['removes slices when the Service is gone', ep(), undefined, ['delete old']],
    ['removes slices when the Endpoints is gone', undefined, svc(), ['delete old']],
  ];
  for (const [name, e, s, want] of cases) {
    it(name, async () => {
      const old = name.startsWith('mirrors') ? [] : [mirrored('old')];
      const { ctl, calls } = setup(e, s, old);
      await ctl.reconcile('ns/db');
      assert.deepEqual(calls, want);
    });
  }

  it('waits for its own writes to reach the cache before planning again', async () => {
    const { ctl, calls, slices } = setup(ep(), svc());
    await ctl.reconcile('ns/db');
    assert.deepEqual(await ctl.reconcile('ns/db'), { requeueAfterMs: 100 }, 'the created slice is not cached yet');
    slices.push({ ...mirrored('db-abcde', '11'), ports: [{ name: '', port: 5432, protocol: 'TCP' }], endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }], metadata: { ...mirrored('db-abcde', '11').metadata, annotations: {}, labels: { ...mirrored('x').metadata.labels } } });
    assert.equal(await ctl.reconcile('ns/db'), undefined);
    assert.deepEqual(calls, ['create db-']);
  });

  it('records upstream\'s event for invalid addresses', async () => {
    const { ctl, events } = setup(ep({}, {}, [{ addresses: [{ ip: 'nope' }, { ip: '192.0.2.1' }], ports: [{ port: 1 }] }]), svc());
    await ctl.reconcile('ns/db');
    assert.deepEqual(events, ['Warning InvalidIPAddress Skipped 1 invalid IP addresses when mirroring to EndpointSlices']);
  });
});
