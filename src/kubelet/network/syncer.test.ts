import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RouteSyncer } from './syncer.ts';
import type { NodeSource } from './syncer.ts';
import type { HostNetwork } from './host.ts';
import type { HostRoute } from './plan.ts';

function node(name: string, podCIDR: string, ip: string, extra: Record<string, unknown> = {}) {
  return { metadata: { name }, spec: { podCIDR }, status: { addresses: [{ type: 'InternalIP', address: ip }], ...extra } };
}

class FakeNodes implements NodeSource {
  items = new Map<string, any>();
  private h: Parameters<NodeSource['on']>[0] = {};
  on(h: Parameters<NodeSource['on']>[0]) { this.h = h; }
  start() {}
  stop() {}
  async waitForSync() {}
  list() { return [...this.items.values()]; }
  put(n: any) {
    const old = this.items.get(n.metadata.name);
    this.items.set(n.metadata.name, n);
    if (old) this.h.update?.(old, n);
    else this.h.add?.(n);
  }
  remove(name: string) {
    const old = this.items.get(name);
    this.items.delete(name);
    this.h.delete?.(old);
  }
}

class FakeHost implements HostNetwork {
  routes: HostRoute[] = [{ dst: '10.251.7.0/24', dev: 'veth0', ours: false }];
  rules: string[][] = [];
  forwarding = false;
  calls: string[] = [];
  localAddresses() { return [{ address: '10.251.7.1', cidr: '10.251.7.1/24' }]; }
  async listRoutes() { return this.routes.map((r) => ({ ...r })); }
  async replaceRoute(r: { dst: string; via: string }) {
    this.calls.push(`replace ${r.dst} via ${r.via}`);
    this.routes = [...this.routes.filter((x) => x.dst !== r.dst), { dst: r.dst, gateway: r.via, ours: true }];
  }
  async deleteRoute(r: HostRoute) {
    this.calls.push(`delete ${r.dst}`);
    this.routes = this.routes.filter((x) => x.dst !== r.dst);
  }
  async ensureForwarding() {
    const was = this.forwarding;
    this.forwarding = true;
    return !was;
  }
  async syncExemptions(rules: string[][]) {
    this.calls.push(`exempt ${rules.map((r) => r[3]).join(',')}`);
    this.rules = rules;
  }
}

const ours = (h: FakeHost) => h.routes.filter((r) => r.ours).map((r) => `${r.dst} via ${r.gateway}`).sort();
const tick = () => new Promise((r) => setImmediate(r));

describe('RouteSyncer', () => {
  it('follows the Nodes: adds, moves and removes routes, exempts their traffic from masquerade, cleans up on stop', async () => {
    const nodes = new FakeNodes();
    const host = new FakeHost();
    const logs: string[] = [];
    nodes.items.set('a', node('a', '10.42.0.0/24', '10.251.7.1'));
    nodes.items.set('b', node('b', '10.42.1.0/24', '10.251.7.2'));
    // Left over from before a crash: a route to a node that is gone.
    host.routes.push({ dst: '10.42.9.0/24', gateway: '10.251.7.9', ours: true });
    const s = new RouteSyncer({ nodeName: 'a', podCIDR: '10.42.0.0/24', nodes, host, resyncMs: 3_600_000, log: (m, f) => logs.push(`${m} ${JSON.stringify(f ?? {})}`) });
    s.start();
    await tick();
    await s.kick();
    assert.deepEqual(ours(host), ['10.42.1.0/24 via 10.251.7.2']);
    assert.equal(host.forwarding, true);
    assert.deepEqual(host.rules.map((r) => `${r[1]}->${r[3]}`), ['10.42.0.0/24->10.42.1.0/24']);

    host.calls = [];
    nodes.put(node('b', '10.42.1.0/24', '10.251.7.2', { conditions: [{ type: 'Ready', status: 'True' }] }));
    await s.kick();
    assert.deepEqual(host.calls, [], 'a status change that routing does not read changes nothing');

    nodes.put(node('c', '10.42.2.0/24', '10.251.7.3'));
    nodes.put(node('b', '10.42.1.0/24', '10.251.7.5'));
    await s.kick();
    assert.deepEqual(ours(host), ['10.42.1.0/24 via 10.251.7.5', '10.42.2.0/24 via 10.251.7.3']);
    nodes.remove('b');
    await s.kick();
    assert.deepEqual(ours(host), ['10.42.2.0/24 via 10.251.7.3']);
    assert.deepEqual(host.rules.map((r) => r[3]), ['10.42.2.0/24']);

    // A node off the local networks is reported once, not on every resync.
    nodes.put(node('hollow-0', '10.64.0.0/24', '10.200.0.1'));
    await s.kick();
    await s.kick();
    assert.equal(logs.filter((l) => l.startsWith('no route to node pods') && l.includes('hollow-0')).length, 1, logs.join('\n'));

    await s.stop();
    assert.deepEqual(ours(host), []);
    assert.deepEqual(host.rules, []);
    assert.ok(host.routes.some((r) => r.dst === '10.251.7.0/24'), 'the host\'s own routes stay');
  });

  it('keeps trying a route that failed, and does not exempt traffic it cannot route', async () => {
    const nodes = new FakeNodes();
    const host = new FakeHost();
    let fail = true;
    const replace = host.replaceRoute.bind(host);
    host.replaceRoute = async (r) => {
      if (fail) throw new Error('Nexthop has invalid gateway');
      return replace(r);
    };
    nodes.items.set('b', node('b', '10.42.1.0/24', '10.251.7.2'));
    const logs: string[] = [];
    const s = new RouteSyncer({ nodeName: 'a', podCIDR: '10.42.0.0/24', nodes, host, resyncMs: 3_600_000, log: (m, f) => logs.push(`${m} ${JSON.stringify(f ?? {})}`) });
    s.start();
    await tick();
    await s.kick();
    assert.deepEqual(ours(host), []);
    assert.deepEqual(host.rules, []);
    assert.match(logs.join('\n'), /no route to node pods.*could not be set: Nexthop has invalid gateway/);
    fail = false;
    await s.kick();
    assert.deepEqual(ours(host), ['10.42.1.0/24 via 10.251.7.2']);
    assert.deepEqual(host.rules.map((r) => r[3]), ['10.42.1.0/24']);
    await s.stop();
  });
});
