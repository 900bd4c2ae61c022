import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodGCController, byEvictionAndCreation, isPodTerminated } from './index.ts';

const pod = (name: string, o: { phase?: string; reason?: string; node?: string; created?: number; deleting?: boolean; conditions?: any[] } = {}) => ({
  metadata: { name, namespace: 'ns', uid: `u-${name}`, creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, o.created ?? 0)).toISOString(), ...(o.deleting ? { deletionTimestamp: '2024-01-02T00:00:00Z' } : {}) },
  spec: o.node ? { nodeName: o.node } : {},
  status: { phase: o.phase ?? 'Running', ...(o.reason ? { reason: o.reason } : {}), ...(o.conditions ? { conditions: o.conditions } : {}) },
});
const node = (name: string, ready = true, taints: any[] = []) => ({ metadata: { name }, spec: { taints }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
const cache = (items: any[]) => ({ list: () => items, get: (k: string) => items.find((o) => o.metadata.name === k) });

function setup(pods: any[], nodes: any[], opts: { threshold?: number; apiNodes?: string[] } = {}) {
  const calls: string[] = [];
  const patches: any[] = [];
  let clock = Date.UTC(2024, 0, 5);
  const client: any = {
    get: async (_r: any, _ns: string, name: string) => {
      calls.push(`get node ${name}`);
      if (!(opts.apiNodes ?? []).includes(name)) throw Object.assign(new Error('not found'), { status: { code: 404 } });
      return { metadata: { name } };
    },
    patch: async (_r: any, _ns: string, name: string, body: any, o: any) => { calls.push(`patch ${name}`); patches.push({ body, o }); },
    delete: async (_r: any, _ns: string, name: string, o: any) => { calls.push(`delete ${name} grace=${o.gracePeriodSeconds}`); },
  };
  const gc = new PodGCController({ client, pods: cache(pods) as any, nodes: cache(nodes) as any, terminatedPodThreshold: opts.threshold, quarantineMs: 40_000, now: () => clock });
  return { gc, calls, patches, advance: (ms: number) => { clock += ms; } };
}

describe('pod gc', () => {
  it('knows terminated pods and upstream\'s order', () => {
    assert.deepEqual(['Pending', 'Running', 'Unknown', 'Succeeded', 'Failed'].map((phase) => isPodTerminated(pod('p', { phase }))), [false, false, false, true, true]);
    const sorted = [pod('b', { created: 1 }), pod('a', { created: 1 }), pod('old', { created: 0 }), pod('ev', { phase: 'Failed', reason: 'Evicted', created: 9 })].sort(byEvictionAndCreation);
    assert.deepEqual(sorted.map((p) => p.metadata.name), ['ev', 'old', 'a', 'b']);
  });

  const n1 = [node('n1')];
  const cases: [string, any[], any[], number | undefined, string[]][] = [
    ['under the threshold nothing goes', [pod('a', { phase: 'Failed', node: 'n1' }), pod('b', { phase: 'Succeeded', node: 'n1' })], n1, 2, []],
    ['the oldest terminated pods beyond the threshold go', [pod('new', { phase: 'Failed', node: 'n1', created: 5 }), pod('old', { phase: 'Succeeded', node: 'n1', created: 1 }), pod('mid', { phase: 'Failed', node: 'n1', created: 3 }), pod('run', { node: 'n1' })], n1, 1,
      ['delete old grace=0', 'delete mid grace=0']],
    ['threshold 0 turns the terminated pass off', [pod('a', { phase: 'Failed', node: 'n1' })], n1, 0, []],
    ['an unscheduled terminating pod is marked Failed and deleted', [pod('u', { phase: 'Pending', deleting: true }), pod('w', { phase: 'Pending' })], n1, undefined, ['patch u', 'delete u grace=0']],
    ['a terminating pod on a NotReady out-of-service node goes', [pod('t', { node: 'n2', deleting: true }), pod('s', { node: 'n3', deleting: true })],
      [node('n2', false, [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }]), node('n3', false)], undefined, ['patch t', 'delete t grace=0']],
    ['a ready out-of-service node keeps its pods', [pod('t', { node: 'n2', deleting: true })], [node('n2', true, [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }])], undefined, []],
  ];
  for (const [name, pods, nodes, threshold, want] of cases) {
    it(name, async () => {
      const { gc, calls } = setup(pods, nodes, { threshold });
      await gc.gc();
      assert.deepEqual(calls, want);
    });
  }

  it('deletes pods of a missing node only after the quarantine, and when the apiserver agrees', async () => {
    const { gc, calls, patches, advance } = setup([pod('o', { node: 'gone', conditions: [{ type: 'Ready', status: 'True' }] }), pod('f', { node: 'gone', phase: 'Failed' }), pod('late', { node: 'late' }), pod('ok', { node: 'n1' })], [node('n1')], { apiNodes: ['late'] });
    await gc.gc();
    assert.deepEqual(calls, [], 'quarantined');
    advance(39_000);
    await gc.gc();
    assert.deepEqual(calls, []);
    advance(1_000);
    await gc.gc();
    assert.deepEqual(calls.slice(0, 2), ['get node gone', 'get node late']);
    assert.deepEqual(calls.slice(2).sort(), ['delete f grace=0', 'delete o grace=0', 'patch o'], 'a Failed pod is not patched');
    const { body, o } = patches[0];
    assert.deepEqual(o, { type: 'merge', subresource: 'status' });
    assert.equal(body.metadata.uid, 'u-o');
    assert.equal(body.status.phase, 'Failed');
    assert.deepEqual(body.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message]),
      [['Ready', 'True', undefined, undefined], ['DisruptionTarget', 'True', 'DeletionByPodGC', 'PodGC: node no longer exists']]);
    assert.equal(body.status.conditions[1].lastTransitionTime, '2024-01-05T00:00:40Z');
  });

  it('does not patch or delete a pod twice in one pass', async () => {
    const { gc, calls } = setup([pod('x', { phase: 'Failed', deleting: true, created: 1 }), pod('y', { phase: 'Failed', deleting: true, created: 2 })], [], { threshold: 1 });
    await gc.gc();
    assert.deepEqual(calls, ['delete x grace=0', 'delete y grace=0']);
  });

  it('forgets a missing node that comes back', async () => {
    const pods = [pod('p', { node: 'n9' })];
    const nodes: any[] = [];
    const { gc, calls, advance } = setup(pods, nodes);
    await gc.gc();
    nodes.push(node('n9'));
    advance(41_000);
    await gc.gc();
    assert.deepEqual(calls, []);
  });
});

describe('pod gc loop', () => {
  it('runs at once, then every period, and stops', async () => {
    let passes = 0;
    const pods = { list: () => { passes++; return []; }, get: () => undefined };
    const gc = new PodGCController({ client: {} as any, pods: pods as any, nodes: { get: () => undefined } as any, gcCheckPeriodMs: 20 });
    gc.start();
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(passes, 1);
    await new Promise((r) => setTimeout(r, 70));
    await gc.stop();
    const at = passes;
    assert.ok(at >= 3, `ran ${at} times`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(passes, at, 'no pass after stop');
  });
});
