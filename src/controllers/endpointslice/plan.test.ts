import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planSlices } from './plan.ts';
import type { PlanInput, Slice, SliceEndpoint, SlicePort } from './plan.ts';
import { desiredGroups, sliceLabels, podToEndpoint } from './index.ts';

const LABELS = { 'kubernetes.io/service-name': 's', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
const P80: SlicePort[] = [{ name: 'http', port: 8080, protocol: 'TCP' }];
const P90: SlicePort[] = [{ name: 'http', port: 9090, protocol: 'TCP' }];
const owner = (uid = 'svc-uid') => [{ apiVersion: 'v1', kind: 'Service', name: 's', uid, controller: true, blockOwnerDeletion: true }];

const ep = (i: number, ready = true): SliceEndpoint => ({
  addresses: [`10.0.${Math.floor(i / 250)}.${i % 250}`], conditions: { ready, serving: ready, terminating: false },
  targetRef: { kind: 'Pod', namespace: 'ns', name: `p${i}`, uid: `u${i}` }, nodeName: 'n1',
});
const eps = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => ep(from + k));

function slice(name: string, endpoints: SliceEndpoint[], ports = P80, extra: Partial<Slice['metadata']> = {}): Slice {
  return { metadata: { name, resourceVersion: '5', labels: { ...LABELS }, ownerReferences: owner(), ...extra }, addressType: 'IPv4', endpoints, ports };
}

function plan(existing: Slice[], desired: PlanInput['desired'], max = 100) {
  const p = planSlices({
    existing, desired, ownerUid: 'svc-uid', addressType: 'IPv4', labels: LABELS, maxEndpointsPerSlice: max,
    newSlice: (ports) => ({ metadata: { generateName: 's-', labels: { ...LABELS }, ownerReferences: owner() }, addressType: 'IPv4', endpoints: [], ports }),
  });
  return {
    create: p.create.map((s) => s.endpoints.length),
    update: p.update.map((s) => `${s.metadata.name}:${s.endpoints.length}`),
    delete: p.delete.map((s) => s.metadata.name),
    raw: p,
  };
}

describe('planSlices', () => {
  const cases: [string, Slice[], PlanInput['desired'], number, { create: number[]; update: string[]; delete: string[] }][] = [
    ['a new Service gets one slice', [], [{ ports: P80, endpoints: eps(0, 3) }], 100, { create: [3], update: [], delete: [] }],
    ['more endpoints than fit are split at the maximum', [], [{ ports: P80, endpoints: eps(0, 250) }], 100, { create: [100, 100, 50], update: [], delete: [] }],
    ['nothing changed: nothing to do', [slice('a', eps(0, 3))], [{ ports: P80, endpoints: eps(0, 3) }], 100, { create: [], update: [], delete: [] }],
    ['a removed endpoint updates its slice', [slice('a', eps(0, 3))], [{ ports: P80, endpoints: eps(0, 2) }], 100, { create: [], update: ['a:2'], delete: [] }],
    ['a changed endpoint updates its slice', [slice('a', eps(0, 3))], [{ ports: P80, endpoints: [ep(0, false), ep(1), ep(2)] }], 100, { create: [], update: ['a:3'], delete: [] }],
    ['new endpoints go into a slice being updated anyway', [slice('a', eps(0, 3)), slice('b', eps(3, 5))], [{ ports: P80, endpoints: [ep(0), ep(1), ep(3), ep(4), ep(9)] }], 100,
      { create: [], update: ['a:3'], delete: [] }],
    ['new endpoints go into the fullest unchanged slice that fits', [slice('a', eps(0, 8)), slice('b', eps(8, 9))], [{ ports: P80, endpoints: [...eps(0, 9), ep(20), ep(21)] }], 10,
      { create: [], update: ['a:10'], delete: [] }],
    ['with no room anywhere a new slice is made', [slice('a', eps(0, 10))], [{ ports: P80, endpoints: eps(0, 12) }], 10, { create: [2], update: [], delete: [] }],
    ['a port change reuses the old slice by name', [slice('a', eps(0, 3))], [{ ports: P90, endpoints: eps(0, 3) }], 100, { create: [], update: ['a:3'], delete: [] }],
    ['no endpoints left: the slice becomes the placeholder', [slice('a', eps(0, 3))], [], 100, { create: [], update: ['a:0'], delete: [] }],
    ['the placeholder stays as it is', [slice('a', [], [])], [], 100, { create: [], update: [], delete: [] }],
    ['the placeholder is reused for the first endpoints', [slice('a', [], [])], [{ ports: P80, endpoints: eps(0, 2) }], 100, { create: [], update: ['a:2'], delete: [] }],
    ['a slice owned by an older Service of the same name is deleted', [slice('old', eps(0, 2), P80, { ownerReferences: owner('other') })], [{ ports: P80, endpoints: eps(0, 2) }], 100,
      { create: [2], update: [], delete: ['old'] }],
    ['changed Service labels update every slice', [slice('a', eps(0, 2), P80, { labels: { ...LABELS, tier: 'old' } })], [{ ports: P80, endpoints: eps(0, 2) }], 100,
      { create: [], update: ['a:2'], delete: [] }],
  ];
  for (const [name, existing, desired, max, want] of cases) {
    it(name, () => {
      const { raw, ...got } = plan(existing, desired, max);
      assert.deepEqual(got, want);
      for (const s of [...raw.create, ...raw.update]) {
        assert.ok(s.endpoints.length <= max);
        assert.deepEqual(s.metadata.labels, LABELS);
      }
    });
  }

  it('places every desired endpoint exactly once', () => {
    const { raw } = plan([slice('a', eps(0, 40)), slice('b', eps(40, 60))], [{ ports: P80, endpoints: eps(10, 130) }], 50);
    const kept = new Map<string, Slice>([['a', slice('a', eps(0, 40))], ['b', slice('b', eps(40, 60))]]);
    for (const s of raw.update) kept.set(s.metadata.name!, s);
    for (const d of raw.delete) kept.delete(d.metadata.name!);
    const all = [...kept.values(), ...raw.create].flatMap((s) => s.endpoints.map((e) => e.targetRef!.name));
    assert.equal(all.length, 120);
    assert.equal(new Set(all).size, 120);
  });
});

describe('desired endpoints', () => {
  const svc = { metadata: { name: 's', namespace: 'ns', uid: 'svc-uid', labels: { tier: 'front', 'kubernetes.io/service-name': 'spoof' } }, spec: { selector: { app: 'a' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
  const pod = (name: string, extra: any = {}) => ({
    metadata: { name, namespace: 'ns', uid: `u-${name}`, labels: { app: 'a' }, ...extra.metadata },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: extra.port ?? 8080 }] }] },
    status: { phase: 'Running', podIP: extra.ip ?? '10.1.0.1', conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  });
  const node = { metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } };

  it('groups pods by their resolved ports and fills conditions, node and zone', () => {
    const groups = desiredGroups(svc, [pod('b', { port: 9090, ip: '10.1.0.2' }), pod('a')], () => node, 'IPv4');
    assert.deepEqual(groups.map((g) => [g.ports, g.endpoints.map((e) => e.targetRef!.name)]), [
      [[{ name: 'http', port: 8080, protocol: 'TCP' }], ['a']],
      [[{ name: 'http', port: 9090, protocol: 'TCP' }], ['b']],
    ]);
    assert.deepEqual(groups[0].endpoints[0], {
      addresses: ['10.1.0.1'], conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'u-a' }, nodeName: 'n1', zone: 'z1',
    });
  });

  const conditionCases: [string, any, any, { ready: boolean; serving: boolean; terminating: boolean }][] = [
    ['ready', pod('a'), svc, { ready: true, serving: true, terminating: false }],
    ['not ready', pod('a', { ready: false }), svc, { ready: false, serving: false, terminating: false }],
    ['terminating but still serving', pod('a', { metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' } }), svc, { ready: false, serving: true, terminating: true }],
    ['terminating with publishNotReadyAddresses', pod('a', { metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' } }), { ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } },
      { ready: true, serving: true, terminating: true }],
  ];
  for (const [name, p, s, want] of conditionCases) it(`conditions: ${name}`, () => assert.deepEqual(podToEndpoint(p, s, ['10.1.0.1'], undefined).conditions, want));

  it('terminating pods stay in slices; IPv6 pods are not IPv4 endpoints', () => {
    const groups = desiredGroups(svc, [pod('a', { metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' } }), pod('v6', { ip: 'fd00::1' })], () => undefined, 'IPv4');
    assert.deepEqual(groups.flatMap((g) => g.endpoints.map((e) => e.targetRef!.name)), ['a']);
  });

  it('labels: the Service\'s, with the reserved ones the controller\'s own', () => {
    assert.deepEqual(sliceLabels(svc), { tier: 'front', ...LABELS });
    assert.deepEqual(sliceLabels({ ...svc, spec: { ...svc.spec, clusterIP: 'None' } })['service.kubernetes.io/headless'], '');
  });
});
