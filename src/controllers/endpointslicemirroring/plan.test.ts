import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planMirror, repack } from './plan.ts';

const ep = (subsets: any[], meta: any = {}) => ({ metadata: { name: 'db', namespace: 'ns', uid: 'u-ep', ...meta }, subsets });
const addr = (ip: string, extra: any = {}) => ({ ip, ...extra });
const port = (p: number, name = '') => ({ name, port: p, protocol: 'TCP' });

describe('repack', () => {
  const cases: [string, any[], [string[], string[], number[]][]][] = [
    ['one subset stays', [{ addresses: [addr('1.1.1.1')], ports: [port(80)] }], [[['1.1.1.1'], [], [80]]]],
    ['same ports merge', [{ addresses: [addr('1.1.1.1')], ports: [port(80)] }, { addresses: [addr('1.1.1.2')], notReadyAddresses: [addr('1.1.1.3')], ports: [port(80)] }],
      [[['1.1.1.1', '1.1.1.2'], ['1.1.1.3'], [80]]]],
    ['ready wins over not ready', [{ notReadyAddresses: [addr('1.1.1.1')], ports: [port(80)] }, { addresses: [addr('1.1.1.1')], ports: [port(80)] }], [[['1.1.1.1'], [], [80]]]],
    ['ports with the same addresses share a subset; others split', [{ addresses: [addr('1.1.1.1'), addr('1.1.1.2')], ports: [port(80, 'a'), port(81, 'b')] }, { addresses: [addr('1.1.1.1')], ports: [port(82, 'c')] }],
      [[['1.1.1.1', '1.1.1.2'], [], [80, 81]], [['1.1.1.1'], [], [82]]]],
    ['a subset without ports is kept', [{ addresses: [addr('1.1.1.1')] }], [[['1.1.1.1'], [], []]]],
  ];
  for (const [name, subsets, want] of cases) {
    it(name, () => {
      const got = repack(subsets).map((s) => [s.addresses.map((a) => a.ip).sort(), s.notReady.map((a) => a.ip).sort(), s.ports.map((p) => p.port)]);
      assert.deepEqual(got.sort((a, b) => String(a[2]).localeCompare(String(b[2]))), want);
    });
  }
});

describe('planMirror', () => {
  it('builds upstream\'s slice: labels, annotations, owner, endpoints', () => {
    const e = ep([{ addresses: [addr('192.0.2.10', { hostname: 'h', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p', namespace: 'ns', uid: 'pu' } })], notReadyAddresses: [addr('192.0.2.11')], ports: [port(5432, 'pg')] }],
      { labels: { team: 'x' }, annotations: { note: 'y', 'endpoints.kubernetes.io/last-change-trigger-time': 't', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } });
    const p = planMirror(e, []);
    assert.equal(p.create.length, 1);
    assert.deepEqual(p.create[0], {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {
        generateName: 'db-', namespace: 'ns', annotations: { note: 'y' },
        labels: { team: 'x', 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: 'u-ep', controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['192.0.2.10'], conditions: { ready: true }, hostname: 'h', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p', namespace: 'ns', uid: 'pu' } },
        { addresses: ['192.0.2.11'], conditions: { ready: false } },
      ],
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    });
  });

  it('splits address families, skips invalid IPs and caps each subset', () => {
    const p = planMirror(ep([{ addresses: [addr('10.0.0.1'), addr('2001:db8:0::1'), addr('bogus'), addr('10.0.0.2'), addr('10.0.0.3')], ports: [port(80)] }]), [], 3);
    assert.deepEqual(p.create.map((s) => [s.addressType, s.endpoints.map((e: any) => e.addresses[0])]).sort(), [['IPv4', ['10.0.0.1', '10.0.0.2']], ['IPv6', ['2001:db8::1']]]);
    assert.equal(p.invalid, 1);
    assert.equal(p.skipped, 2, 'the invalid one and the one past the cap');
  });

  const current = () => planMirror(ep([{ addresses: [addr('10.0.0.1')], ports: [port(80)] }]), []).create.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `db-${i}`, resourceVersion: '9', generateName: undefined } }));
  const cases: [string, any, any[], (p: any) => void][] = [
    ['nothing to do when it matches', ep([{ addresses: [addr('10.0.0.1')], ports: [port(80)] }]), current(), (p) => assert.deepEqual([p.create.length, p.update.length, p.delete.length], [0, 0, 0])],
    ['updates in place on a new address', ep([{ addresses: [addr('10.0.0.1'), addr('10.0.0.9')], ports: [port(80)] }]), current(), (p) => {
      assert.deepEqual([p.create.length, p.update.length, p.delete.length], [0, 1, 0]);
      assert.equal(p.update[0].metadata.name, 'db-0');
      assert.equal(p.update[0].metadata.resourceVersion, '9');
      assert.equal(p.update[0].endpoints.length, 2);
    }],
    ['updates on a label change', ep([{ addresses: [addr('10.0.0.1')], ports: [port(80)] }], { labels: { a: 'b' } }), current(), (p) => assert.equal(p.update.length, 1)],
    ['recycles a slice whose ports changed', ep([{ addresses: [addr('10.0.0.1')], ports: [port(81)] }]), current(), (p) => {
      assert.deepEqual([p.create.length, p.update.length, p.delete.length], [0, 1, 0]);
      assert.deepEqual([p.update[0].metadata.name, p.update[0].metadata.generateName, p.update[0].ports[0].port], ['db-0', undefined, 81]);
    }],
    ['deletes all when no addresses are left', ep([]), current(), (p) => assert.deepEqual(p.delete.map((s: any) => s.metadata.name), ['db-0'])],
    ['deletes duplicates of one port set', ep([{ addresses: [addr('10.0.0.1')], ports: [port(80)] }]), [...current(), { ...current()[0], metadata: { ...current()[0].metadata, name: 'db-dup' } }],
      (p) => assert.deepEqual([p.update.length, p.delete.map((s: any) => s.metadata.name)], [0, ['db-dup']])],
  ];
  for (const [name, e, existing, check] of cases) it(name, () => check(planMirror(e, existing)));
});
