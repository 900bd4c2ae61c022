import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TaintEvictionController } from './tainteviction.ts';

/** Just enough of an Informer: handlers, and pods by node. */
function fakeInformer(items: any[] = []) {
  const handlers: any[] = [];
  return {
    items, handlers,
    on: (h: any) => handlers.push(h),
    byIndex: (_i: string, node: string) => items.filter((p) => p.spec?.nodeName === node),
    fire: (ev: 'add' | 'update' | 'delete', ...args: any[]) => { for (const h of handlers) h[ev]?.(...args); },
  };
}

const pod = (name: string, tolerations: any[] = []) => ({ metadata: { name, namespace: 'ns', uid: `u-${name}` }, spec: { nodeName: 'n1', tolerations }, status: { conditions: [] } });
const node = (taints: any[]) => ({ metadata: { name: 'n1' }, spec: { taints } });
const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const tol = (seconds?: number) => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) });

function setup(pods: any[]) {
  const calls: string[] = [];
  const events: string[] = [];
  const client: any = {
    get: async (_r: any, ns: string, name: string) => pods.find((p) => p.metadata.name === name && p.metadata.namespace === ns),
    patch: async (_r: any, _ns: string, name: string, body: any) => { calls.push(`patch ${name} ${body.status.conditions.at(-1).reason}`); },
    delete: async (_r: any, _ns: string, name: string, opts: any) => { calls.push(`delete ${name} ${opts.preconditions.uid}`); },
  };
  const nodes = fakeInformer();
  const podInf = fakeInformer(pods);
  const ctl = new TaintEvictionController({
    client, nodes: nodes as any, pods: podInf as any,
    recorder: { event: (_o, type, reason, msg) => events.push(`${type} ${reason} ${msg}`) },
  });
  ctl.register();
  return { ctl, nodes, podInf, calls, events };
}

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('taint eviction', () => {
  it('evicts an intolerant pod at once, with the DisruptionTarget condition and upstream\'s event', async () => {
    const { ctl, nodes, calls, events } = setup([pod('a')]);
    nodes.fire('add', node([UNREACHABLE]));
    await tick();
    assert.deepEqual(calls, ['patch a DeletionByTaintManager', 'delete a u-a']);
    assert.deepEqual(events, ['Normal TaintManagerEviction Marking for deletion Pod ns/a']);
    ctl.stop();
  });

  it('waits tolerationSeconds, and cancels (with an event) when the taint goes', async () => {
    const { ctl, nodes, calls, events } = setup([pod('p', [tol(60)]), pod('f', [tol()])]);
    nodes.fire('add', node([UNREACHABLE]));
    await tick();
    assert.deepEqual(calls, []);
    const s = ctl.scheduled();
    assert.deepEqual([...s.keys()], ['ns/p'], 'a pod tolerating forever is never scheduled');
    assert.ok(Math.abs(s.get('ns/p')! - (Date.now() + 60_000)) < 1000);
    nodes.fire('update', node([UNREACHABLE]), node([]));
    assert.equal(ctl.scheduled().size, 0);
    assert.deepEqual(events, ['Normal TaintManagerEviction Cancelling deletion of Pod ns/p']);
    ctl.stop();
  });

  it('keeps a scheduled eviction as it is, and evicts at once for a new untolerated taint', async () => {
    const { ctl, nodes, podInf, calls } = setup([pod('q', [tol(60)])]);
    nodes.fire('add', node([UNREACHABLE]));
    const d1 = ctl.scheduled().get('ns/q')!;
    await tick(30);
    nodes.fire('update', node([UNREACHABLE]), node([{ ...UNREACHABLE, timeAdded: '2024-05-01T00:00:00Z' }]));
    assert.equal(ctl.scheduled().get('ns/q'), d1, 'same deadline after a node update');
    podInf.fire('update', pod('q', [tol(60)]), pod('q', [tol(60), tol(10)]));
    assert.equal(ctl.scheduled().get('ns/q'), d1, 'same deadline after a toleration update');
    nodes.fire('update', node([UNREACHABLE]), node([UNREACHABLE, { key: 'y', effect: 'NoExecute' }]));
    await tick();
    assert.equal(ctl.scheduled().size, 0);
    assert.deepEqual(calls, ['patch q DeletionByTaintManager', 'delete q u-q']);
    ctl.stop();
  });
});
