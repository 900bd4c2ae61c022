import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CidrSet, parseCIDR } from './cidrset.ts';
import { NodeIpamController } from './index.ts';

describe('cidr set', () => {
  it('parses and refuses', () => {
    assert.deepEqual(parseCIDR('10.42.3.7/16'), { base: (10 << 24 | 42 << 16) >>> 0, prefix: 16 });
    for (const bad of ['10.42.0.0', '300.1.1.1/8', '10.0.0.0/33', 'fd00::/64']) assert.equal(parseCIDR(bad), undefined, bad);
    assert.throws(() => new CidrSet('10.42.0.0/16', 8), /between/);
    assert.throws(() => new CidrSet('10.0.0.0/8', 25), /node CIDR size is too big/);
  });

  it('hands out ranges in order, round-robin after a release, until full', () => {
    const s = new CidrSet('10.42.0.0/22', 24);
    assert.deepEqual([s.allocateNext(), s.allocateNext()], ['10.42.0.0/24', '10.42.1.0/24']);
    s.release('10.42.0.0/24');
    assert.deepEqual([s.allocateNext(), s.allocateNext(), s.allocateNext(), s.allocateNext()], ['10.42.2.0/24', '10.42.3.0/24', '10.42.0.0/24', undefined]);
    assert.equal(s.allocated, 4);
  });

  const cases: [string, string, boolean, number][] = [
    ['a node range', '10.42.1.0/24', true, 1],
    ['a larger range covers several', '10.42.0.0/23', true, 2],
    ['a smaller range takes its whole node range', '10.42.2.128/25', true, 1],
    ['outside the cluster CIDR', '10.64.0.0/24', false, 0],
    ['garbage', 'nope', false, 0],
  ];
  for (const [name, cidr, ok, used] of cases) {
    it(`occupies ${name}`, () => {
      const s = new CidrSet('10.42.0.0/22', 24);
      assert.equal(s.occupy(cidr), ok);
      assert.equal(s.allocated, used);
    });
  }
});

const node = (name: string, podCIDR?: string, rv = '5') => ({ metadata: { name, uid: `u-${name}`, resourceVersion: rv }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });

function setup(nodes: any[], clusterCIDR = '10.42.0.0/22', fail?: number) {
  const patches: any[] = [];
  const events: string[] = [];
  const client: any = {
    patch: async (_r: any, _ns: string, name: string, body: any, o: any) => {
      if (fail) throw Object.assign(new Error('x'), { status: { code: fail } });
      patches.push([name, body, o.type]);
      const n = nodes.find((x) => x.metadata.name === name);
      n.spec = { ...body.spec };
    },
  };
  const inf = { list: () => nodes, get: (k: string) => nodes.find((n) => n.metadata.name === k) };
  const ctl = new NodeIpamController({ client, nodes: inf as any, clusterCIDR, recorder: { event: (o, t, r, m) => events.push(`${o.kind}/${o.metadata.name} ${t} ${r} ${m}`) } });
  return { ctl, patches, events, nodes };
}

describe('node ipam', () => {
  it('gives a node the next free range, never one another node carries', async () => {
    const { ctl, patches } = setup([node('agent', '10.42.0.0/24'), node('hollow', '10.64.0.0/24'), node('new'), node('other', '10.42.1.0/24')]);
    await ctl.reconcile('new');
    assert.deepEqual(patches, [['new', { metadata: { resourceVersion: '5' }, spec: { podCIDR: '10.42.2.0/24', podCIDRs: ['10.42.2.0/24'] } }, 'merge']]);
    await ctl.reconcile('new');
    assert.equal(patches.length, 1, 'idempotent');
  });

  it('does not allocate twice while its write is on its way to the cache', async () => {
    const { ctl, patches, nodes } = setup([node('a')]);
    await ctl.reconcile('a');
    nodes[0].spec = {}; // the cache still shows the old node
    await ctl.reconcile('a');
    assert.equal(patches.length, 1);
  });

  it('releases a deleted node\'s range, which comes round again once the others are used', async () => {
    const { ctl, nodes } = setup([node('a'), node('b')], '10.42.0.0/23');
    await ctl.reconcile('a');
    await ctl.reconcile('b');
    assert.equal(ctl.cidrs.allocated, 2);
    const gone = nodes.shift();
    ctl.observeDeleted(gone);
    assert.equal(ctl.cidrs.allocated, 1);
    nodes.push(node('c'));
    await ctl.reconcile('c');
    assert.equal(nodes.find((n) => n.metadata.name === 'c').spec.podCIDR, '10.42.0.0/24');
  });

  it('emits upstream\'s event and retries when the range is exhausted', async () => {
    const { ctl, events, patches } = setup([node('a', '10.42.0.0/24'), node('b')], '10.42.0.0/24');
    await assert.rejects(ctl.reconcile('b'), /no remaining CIDRs left to allocate/);
    assert.deepEqual(events, ['Node/b Warning CIDRNotAvailable Node b status is now: CIDRNotAvailable']);
    assert.equal(patches.length, 0);
  });

  it('gives the range back when the write loses a conflict', async () => {
    const { ctl, events } = setup([node('a')], '10.42.0.0/24', 409);
    await assert.rejects(ctl.reconcile('a'));
    assert.equal(ctl.cidrs.allocated, 0);
    assert.deepEqual(events, []);
  });

  it('reserves ranges that arrive later, keeping a shared one while either node exists', async () => {
    const { ctl, nodes } = setup([node('a', '10.42.0.0/24'), node('b', '10.42.0.0/24')], '10.42.0.0/23');
    await ctl.reconcile('a');
    ctl.observeDeleted(nodes[0]);
    assert.equal(ctl.cidrs.allocated, 1);
    nodes.push(node('late', '10.42.1.0/24'));
    await ctl.reconcile('late');
    assert.equal(ctl.cidrs.allocated, 2);
  });
});
