import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailedPodBackoff, countStatus, groupByNode, planManage, planRollingUpdate } from './plan.ts';
import type { SyncState } from './plan.ts';

const NOW = new Date('2026-01-01T00:10:00Z');
const node = (name: string, labels: Record<string, string> = {}, taints: any[] = []) => ({ metadata: { name, labels }, spec: { taints } });
const ds = (strategy: any = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, extra: any = {}) => ({
  metadata: { name: 'd', namespace: 'ns', uid: 'u', generation: 2 },
  spec: { updateStrategy: strategy, template: { metadata: { labels: { app: 'a' } }, spec: {} }, ...extra },
});
let seq = 0;
/** A bound daemon pod; hash 'new' is the current revision. */
const pod = (nodeName: string, o: { hash?: string; ready?: boolean; phase?: string; deleting?: boolean; created?: string; readySince?: string } = {}) => ({
  metadata: {
    name: `p${++seq}`, namespace: 'ns', labels: { app: 'a', 'controller-revision-hash': o.hash ?? 'new' }, uid: `uid${seq}`,
    creationTimestamp: o.created ?? '2026-01-01T00:00:00Z', ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:09:00Z' } : {}),
  },
  spec: { nodeName },
  status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readySince ?? '2026-01-01T00:00:00Z' }] },
});
const state = (d: any, nodes: any[], pods: any[]): SyncState => ({ ds: d, nodes, byNode: groupByNode(pods), hash: 'new', now: NOW });
const names = (ps: any[]) => ps.map((p) => p.metadata.name).sort();

describe('planManage', () => {
  it('creates on nodes without a pod, leaves nodes with one, removes pods from nodes that should not run them', () => {
    seq = 0;
    const nodes = [node('n1'), node('n2'), node('n3', {}, [{ key: 'k', effect: 'NoExecute' }]), node('n4', {}, [{ key: 'k', effect: 'NoSchedule' }])];
    const pods = [pod('n2'), pod('n3'), pod('n4')];
    const plan = planManage(state(ds(), nodes, pods), new FailedPodBackoff());
    assert.deepEqual(plan.create, ['n1']);
    assert.deepEqual(names(plan.remove), ['p2']); // n3 evicts; n4 keeps its pod though new ones may not go there
  });

  it('a pod being deleted still holds its node, so no second pod is created', () => {
    const plan = planManage(state(ds(), [node('n1')], [pod('n1', { deleting: true })]), new FailedPodBackoff());
    assert.deepEqual(plan.create, []);
    assert.deepEqual(plan.remove, []);
  });

  it('keeps only the oldest of several running pods without surge; unbound pods of missing nodes go', () => {
    seq = 0;
    const pods = [pod('n1', { created: '2026-01-01T00:05:00Z' }), pod('n1', { created: '2026-01-01T00:01:00Z' }), { ...pod('gone'), spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['gone'] }] }] } } } } }];
    const plan = planManage(state(ds(), [node('n1')], pods), new FailedPodBackoff());
    assert.deepEqual(names(plan.remove), ['p1', 'p3']);
  });

  it('replaces failed pods with backoff and removes succeeded ones', () => {
    seq = 0;
    const backoff = new FailedPodBackoff();
    const failed = pod('n1', { phase: 'Failed' });
    const first = planManage(state(ds(), [node('n1'), node('n2')], [failed, pod('n2', { phase: 'Succeeded' })]), backoff);
    assert.deepEqual(names(first.remove), ['p1', 'p2']);
    assert.deepEqual(first.failed.map((f) => f.node), ['n1']);
    const again = planManage(state(ds(), [node('n1')], [failed]), backoff);
    assert.deepEqual(again.remove, []);
    assert.ok(again.requeueAfterMs! > 0 && again.requeueAfterMs! <= 1000);
  });

  it('with surge keeps an old ready pod until the new one is available', () => {
    seq = 0;
    const surge = ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const keep = planManage(state(surge, [node('n1')], [pod('n1', { hash: 'old' }), pod('n1', { ready: false, created: '2026-01-01T00:05:00Z' })]), new FailedPodBackoff());
    assert.deepEqual(keep.remove, []);
    const done = planManage(state(surge, [node('n1')], [pod('n1', { hash: 'old' }), pod('n1', { created: '2026-01-01T00:05:00Z' })]), new FailedPodBackoff());
    assert.deepEqual(names(done.remove), ['p3']);
  });
});

describe('planRollingUpdate', () => {
  it('without surge deletes at most maxUnavailable available old pods, counting unavailable nodes', () => {
    seq = 0;
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'].map((n) => node(n));
    const two = ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2, maxSurge: 0 } });
    const all = planRollingUpdate(state(two, nodes, nodes.map((n) => pod(n.metadata.name, { hash: 'old' }))));
    assert.equal(all.remove.length, 2);
    assert.deepEqual(all.create, []);
    // n1 is mid-replacement (no pod) and n2 has an unready new pod: no room left.
    const busy = planRollingUpdate(state(two, nodes, [pod('n2', { ready: false }), ...['n3', 'n4', 'n5'].map((n) => pod(n, { hash: 'old' }))]));
    assert.deepEqual(busy.remove, []);
    // An old pod that is not available is replaced anyway.
    const broken = planRollingUpdate(state(two, nodes, [pod('n1'), pod('n2'), pod('n3', { hash: 'old', ready: false }), pod('n4', { hash: 'old' }), pod('n5', { hash: 'old' })]));
    assert.equal(broken.remove.length, 2);
    assert.ok(broken.remove.some((p) => p.spec.nodeName === 'n3'));
  });

  it('honours minReadySeconds', () => {
    seq = 0;
    const d = ds(undefined, { minReadySeconds: 300 });
    const nodes = [node('n1'), node('n2')];
    const fresh = planRollingUpdate(state(d, nodes, [pod('n1', { readySince: '2026-01-01T00:09:00Z' }), pod('n2', { hash: 'old' })]));
    assert.deepEqual(fresh.remove, []);
    const settled = planRollingUpdate(state(d, nodes, [pod('n1', { readySince: '2026-01-01T00:01:00Z' }), pod('n2', { hash: 'old' })]));
    assert.equal(settled.remove.length, 1);
  });

  it('with surge creates on up to maxSurge nodes and deletes old pods whose new pod is available', () => {
    seq = 0;
    const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));
    const surge = ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '50%' } });
    const start = planRollingUpdate(state(surge, nodes, nodes.map((n) => pod(n.metadata.name, { hash: 'old' }))));
    assert.equal(start.create.length, 2);
    assert.deepEqual(start.remove, []);
    const mid = planRollingUpdate(state(surge, nodes, [pod('n1', { hash: 'old' }), pod('n1'), pod('n2', { hash: 'old' }), pod('n2', { ready: false }), pod('n3', { hash: 'old' }), pod('n4', { hash: 'old' })]));
    assert.deepEqual(mid.remove.map((p) => p.spec.nodeName), ['n1']);
    assert.equal(mid.create.length, 1); // n2 still surging, one slot left
  });
});

describe('countStatus', () => {
  it('counts desired, current, misscheduled, ready, updated, available and unavailable', () => {
    seq = 0;
    const nodes = [node('n1'), node('n2'), node('n3'), node('off', { x: 'y' }, [{ key: 'k', effect: 'NoSchedule' }])];
    const c = countStatus(state(ds(), nodes, [pod('n1'), pod('n2', { hash: 'old' }), pod('n2', { hash: 'new', created: '2026-01-01T00:05:00Z' }), pod('off', { ready: false })]));
    assert.deepEqual(c, { desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 1, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberUnavailable: 1 });
  });
});
