import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeLifecycleController } from './index.ts';
import { seconds } from './health.ts';

const T0 = Date.parse('2024-05-01T10:00:00Z');

/** Nodes in a map the fake client writes through, so each pass sees the last write, as a synced informer would. */
function cluster(names: string[]) {
  const nodes = new Map<string, any>(names.map((name) => [name, {
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: seconds(T0 - 3600_000), labels: {} },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: seconds(T0), lastTransitionTime: seconds(T0) }] },
  }]));
  const leases = new Map<string, number>(names.map((n) => [n, T0]));
  const events: string[] = [];
  const bump = (n: any) => { n.metadata.resourceVersion = String(Number(n.metadata.resourceVersion) + 1); };
  const client: any = {
    update: async (_r: any, _ns: string, obj: any) => { const n = nodes.get(obj.metadata.name); n.status = obj.status; bump(n); return n; },
    patch: async (_r: any, _ns: string, name: string, body: any) => { const n = nodes.get(name); n.spec.taints = body.spec.taints ?? undefined; bump(n); return n; },
    get: async (_r: any, _ns: string, name: string) => nodes.get(name),
  };
  let now = T0;
  const ctl = new NodeLifecycleController({
    client,
    nodes: { list: () => [...nodes.values()], get: (n: string) => nodes.get(n) } as any,
    leases: { get: (k: string) => { const t = leases.get(k.split('/')[1]); return t === undefined ? undefined : { spec: { renewTime: new Date(t).toISOString() } }; } } as any,
    pods: { byIndex: () => [], on: () => undefined } as any,
    recorder: { event: (o, _t, reason, msg) => events.push(`${o.kind} ${reason} ${msg}`) },
    nodeMonitorGracePeriodMs: 40_000, now: () => now,
  });
  return {
    ctl, nodes, events,
    renew: (name: string) => leases.set(name, now),
    advance: (ms: number) => { now += ms; },
    taints: (name: string) => (nodes.get(name).spec.taints ?? []).map((t: any) => `${t.key}:${t.effect}`),
    pass: async () => { await ctl.monitor(); await ctl.taintingPass(); },
  };
}

describe('node lifecycle', () => {
  it('registers nodes, and taints a silent node NoExecute one pass after marking it Unknown', async () => {
    const c = cluster(['a', 'b', 'c']);
    await c.pass();
    assert.deepEqual(c.events, ['Node RegisteredNode Node a event: Registered Node a in Controller', 'Node RegisteredNode Node b event: Registered Node b in Controller',
      'Node RegisteredNode Node c event: Registered Node c in Controller']);
    for (let i = 0; i < 5; i++) {
      c.advance(10_000);
      c.renew('a');
      c.renew('b');
      await c.pass();
    }
    assert.equal(c.nodes.get('c').status.conditions[0].status, 'Unknown');
    assert.ok(c.events.includes('Node NodeNotReady Node c status is now: NodeNotReady'));
    assert.deepEqual(c.taints('c'), [], 'the NoExecute taint comes on the next pass');
    c.advance(1000);
    await c.pass();
    assert.deepEqual(c.taints('c'), ['node.kubernetes.io/unreachable:NoExecute']);
    assert.deepEqual(c.taints('a'), []);

    // The kubelet is back: Ready again, and the taint goes.
    const n = c.nodes.get('c');
    n.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: seconds(T0 + 70_000), lastTransitionTime: seconds(T0 + 70_000) }] };
    c.advance(1000);
    await c.pass();
    assert.deepEqual(c.taints('c'), []);
  });

  it('taints nothing when every node of every zone is down (master disruption mode)', async () => {
    const c = cluster(['a', 'b']);
    await c.pass();
    for (let i = 0; i < 8; i++) {
      c.advance(10_000);
      await c.pass();
    }
    for (const n of ['a', 'b']) {
      assert.equal(c.nodes.get(n).status.conditions[0].status, 'Unknown');
      assert.deepEqual(c.taints(n), []);
    }
  });
});
