import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalCIDR, desiredRoutes, exemptionRules, nodeView, planRoutes } from './plan.ts';
import type { HostRoute, NodeView, WantedRoute } from './plan.ts';

const LOCAL = [{ address: '10.251.7.1', cidr: '10.251.7.1/24' }, { address: '127.0.0.1', cidr: '127.0.0.1/8' }];
const SELF = { name: 'a', podCIDR: '10.42.0.0/24' };

describe('desiredRoutes', () => {
  const cases: { name: string; nodes: NodeView[]; routes: string[]; skipped?: RegExp[] }[] = [
    { name: 'routes another node\'s podCIDR via its InternalIP', nodes: [{ name: 'b', podCIDR: '10.42.1.0/24', internalIP: '10.251.7.2' }], routes: ['10.42.1.0/24 via 10.251.7.2 (b)'] },
    { name: 'leaves itself out', nodes: [{ name: 'a', podCIDR: '10.42.0.0/24', internalIP: '10.251.7.1' }], routes: [] },
    { name: 'a node without a podCIDR yet is left out quietly', nodes: [{ name: 'b', internalIP: '10.251.7.2' }], routes: [] },
    { name: 'a node on this very host (same IP: one network namespace) needs no route', nodes: [{ name: 'b', podCIDR: '10.42.1.0/24', internalIP: '10.251.7.1' }], routes: [] },
    { name: 'a node without an InternalIP', nodes: [{ name: 'b', podCIDR: '10.42.1.0/24' }], routes: [], skipped: [/^b: the node has no IPv4 InternalIP/] },
    { name: 'a node off the local networks cannot be a gateway', nodes: [{ name: 'hollow-0', podCIDR: '10.64.0.0/24', internalIP: '10.200.0.1' }], routes: [], skipped: [/^hollow-0: its InternalIP 10.200.0.1 is not on a network this host is directly connected to/] },
    { name: 'a podCIDR overlapping ours', nodes: [{ name: 'b', podCIDR: '10.42.0.0/16', internalIP: '10.251.7.2' }], routes: [], skipped: [/overlaps this node's podCIDR 10.42.0.0\/24/] },
    { name: 'a podCIDR overlapping a network of the host', nodes: [{ name: 'b', podCIDR: '10.251.0.0/16', internalIP: '10.251.7.2' }], routes: [], skipped: [/overlaps 10.251.7.0\/24, a network of this host/] },
    {
      name: 'two nodes claiming one podCIDR: the first by name wins', routes: ['10.42.1.0/24 via 10.251.7.2 (b)'], skipped: [/^c: .*overlaps the podCIDR of node b/],
      nodes: [{ name: 'c', podCIDR: '10.42.1.0/24', internalIP: '10.251.7.3' }, { name: 'b', podCIDR: '10.42.1.0/24', internalIP: '10.251.7.2' }],
    },
    { name: 'an IPv6 podCIDR is not routed', nodes: [{ name: 'b', podCIDR: 'fd00::/64', internalIP: '10.251.7.2' }], routes: [], skipped: [/podCIDR fd00::\/64 is not an IPv4 CIDR/] },
    { name: 'host bits in the podCIDR are cleared', nodes: [{ name: 'b', podCIDR: '10.42.1.9/24', internalIP: '10.251.7.2' }], routes: ['10.42.1.0/24 via 10.251.7.2 (b)'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = desiredRoutes(c.nodes, SELF, LOCAL);
      assert.deepEqual(got.routes.map((r) => `${r.dst} via ${r.via} (${r.node})`), c.routes);
      const skipped = got.skipped.map((s) => `${s.node}: ${s.reason}`);
      assert.equal(skipped.length, c.skipped?.length ?? 0, skipped.join('\n'));
      c.skipped?.forEach((re, i) => assert.match(skipped[i], re));
    });
  }
});

describe('planRoutes', () => {
  const want: WantedRoute[] = [{ dst: '10.42.1.0/24', via: '10.251.7.2', node: 'b' }, { dst: '10.42.2.0/24', via: '10.251.7.3', node: 'c' }];
  const connected: HostRoute = { dst: '10.251.7.0/24', dev: 'veth0', ours: false };
  const cases: { name: string; current: HostRoute[]; replace: string[]; remove: string[]; conflicts?: RegExp }[] = [
    { name: 'adds what is missing', current: [connected], replace: ['10.42.1.0/24', '10.42.2.0/24'], remove: [] },
    { name: 'leaves what is right alone', current: [connected, { dst: '10.42.1.0/24', gateway: '10.251.7.2', ours: true }, { dst: '10.42.2.0/24', gateway: '10.251.7.3', ours: true }], replace: [], remove: [] },
    { name: 'replaces a route whose node moved', current: [{ dst: '10.42.1.0/24', gateway: '10.251.7.9', ours: true }, { dst: '10.42.2.0/24', gateway: '10.251.7.3', ours: true }], replace: ['10.42.1.0/24'], remove: [] },
    { name: 'removes ours to a deleted node, never another\'s route', current: [connected, { dst: '10.42.9.0/24', gateway: '10.251.7.9', ours: true }, { dst: '10.99.0.0/16', gateway: '10.251.7.1', ours: false }], replace: ['10.42.1.0/24', '10.42.2.0/24'], remove: ['10.42.9.0/24'] },
    { name: 'does not clobber a route it did not add (a bridge of this host)', current: [{ dst: '10.42.1.0/24', dev: 'k8tsag0', ours: false }], replace: ['10.42.2.0/24'], remove: [], conflicts: /^b: a route to 10.42.1.0\/24 that k8ts did not add is in the way \(dev k8tsag0\)/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planRoutes(want, c.current);
      assert.deepEqual(p.replace.map((r) => r.dst), c.replace);
      assert.deepEqual(p.remove.map((r) => r.dst), c.remove);
      if (c.conflicts) assert.match(p.conflicts.map((x) => `${x.node}: ${x.reason}`).join('\n'), c.conflicts);
      else assert.deepEqual(p.conflicts, []);
    });
  }
});

describe('exemptionRules', () => {
  it('keeps the source of this node\'s pods towards each routed podCIDR', () => {
    const rules = exemptionRules('10.42.0.0/24', [{ dst: '10.42.1.0/24', via: '10.251.7.2', node: 'b' }]);
    assert.deepEqual(rules, [['-s', '10.42.0.0/24', '-d', '10.42.1.0/24', '-m', 'comment', '--comment', 'k8ts: pods of node b', '-j', 'ACCEPT']]);
  });
  it('has nothing to exempt without routes or an own podCIDR', () => {
    assert.deepEqual(exemptionRules('10.42.0.0/24', []), []);
    assert.deepEqual(exemptionRules(undefined, [{ dst: '10.42.1.0/24', via: '10.251.7.2', node: 'b' }]), []);
  });
});

describe('nodeView and canonicalCIDR', () => {
  it('reads the podCIDR and the first IPv4 InternalIP', () => {
    const node = { metadata: { name: 'b' }, spec: { podCIDR: '10.42.1.0/24' }, status: { addresses: [{ type: 'Hostname', address: 'b' }, { type: 'InternalIP', address: 'fd00::2' }, { type: 'InternalIP', address: '10.251.7.2' }] } };
    assert.deepEqual(nodeView(node), { name: 'b', podCIDR: '10.42.1.0/24', internalIP: '10.251.7.2' });
    assert.deepEqual(nodeView({ metadata: { name: 'c' } }), { name: 'c' });
  });
  const cidrs: [string, string | undefined][] = [['10.42.1.7/24', '10.42.1.0/24'], ['10.0.0.1', '10.0.0.1/32'], ['0.0.0.0/0', '0.0.0.0/0'], ['10.0.0.0/33', undefined], ['x/24', undefined]];
  for (const [s, want] of cidrs) it(`${s} → ${want}`, () => assert.equal(canonicalCIDR(s), want));
});
