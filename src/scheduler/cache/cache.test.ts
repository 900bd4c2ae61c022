import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cache } from './cache.ts';
import { newPodInfo, sameSchedulingShape } from '../framework/pod-info.ts';
import { node, pod } from '../testing.ts';

const clone = (x: any) => structuredClone(x);

describe('sameSchedulingShape', () => {
  const base = pod('p', { cpu: '1', memory: '1Gi', labels: { app: 'a' }, nodeName: 'n1', priority: 5 });
  const cases: [string, (p: any) => void, boolean][] = [
    ['a status write', (p) => { p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }; }, true],
    ['a new annotation and resourceVersion', (p) => { p.metadata.annotations = { x: 'y' }; p.metadata.resourceVersion = '9'; }, true],
    ['deletionTimestamp set', (p) => { p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z'; }, true],
    ['a label changed', (p) => { p.metadata.labels.app = 'b'; }, false],
    ['a label added', (p) => { p.metadata.labels.tier = 'x'; }, false],
    ['a label removed', (p) => { delete p.metadata.labels.app; }, false],
    ['requests resized', (p) => { p.spec.containers[0].resources.requests.cpu = '2'; }, false],
    ['a request added', (p) => { p.spec.containers[0].resources.requests['example.com/gpu'] = '1'; }, false],
    ['a host port', (p) => { p.spec.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]; }, false],
    ['another container', (p) => { p.spec.containers.push({ name: 'd', image: 'i' }); }, false],
    ['a sidecar', (p) => { p.spec.initContainers = [{ name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '1' } } }]; }, false],
    ['an overhead', (p) => { p.spec.overhead = { cpu: '100m' }; }, false],
    ['another priority', (p) => { p.spec.priority = 6; }, false],
    ['another node', (p) => { p.spec.nodeName = 'n2'; }, false],
    ['an affinity', (p) => { p.spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'k', labelSelector: {} }] } }; }, false],
    ['another uid (recreated)', (p) => { p.metadata.uid = 'other'; }, false],
  ];
  for (const [name, change, want] of cases) {
    it(name, () => {
      const b = clone(base);
      change(b);
      assert.equal(sameSchedulingShape(base, b), want);
    });
  }
  // Host ports and affinity are compared field by field, not by reference.
  const withTerms = pod('q', { nodeName: 'n1' });
  withTerms.spec.containers[0].ports = [{ containerPort: 80, hostPort: 80, protocol: 'TCP' }];
  withTerms.spec.affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'k', labelSelector: { matchLabels: { app: 'a' } } }] } };
  const termCases: [string, (p: any) => void, boolean][] = [
    ['the same host ports and affinity in new objects', () => {}, true],
    ['a host port moved', (p) => { p.spec.containers[0].ports[0].hostPort = 81; }, false],
    ['an affinity selector changed', (p) => { p.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels.app = 'b'; }, false],
    ['an affinity term added', (p) => { p.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution.push({ topologyKey: 'z' }); }, false],
  ];
  for (const [name, change, want] of termCases) {
    it(name, () => {
      const b = clone(withTerms);
      change(b);
      assert.equal(sameSchedulingShape(withTerms, b), want);
    });
  }
});

describe('Cache: updates of bound pods', () => {
  const setup = () => {
    const c = new Cache();
    c.addNode(node('n1', { cpu: '4' }));
    const p = pod('p', { cpu: '1', labels: { app: 'a' }, nodeName: 'n1' });
    c.addPod(p);
    return { c, p };
  };
  it('a status write keeps the accounting and hands out the new object', () => {
    const { c, p } = setup();
    const q = { ...clone(p), status: { phase: 'Running' } };
    c.updatePod(q);
    const n = c.get('n1')!;
    assert.equal(n.pods.length, 1);
    assert.equal(n.requested.milliCPU, 1000);
    assert.equal(n.pods[0].pod, q);
    assert.deepEqual([...c.podCandidates('default', { matchLabels: { app: 'a' } })].map((e) => e.pi.pod), [q]);
  });
  it('a label change re-indexes the pod', () => {
    const { c, p } = setup();
    const q = clone(p);
    q.metadata.labels = { app: 'b' };
    c.updatePod(q);
    assert.equal([...c.podCandidates('default', { matchLabels: { app: 'a' } })].length, 0);
    assert.equal([...c.podCandidates('default', { matchLabels: { app: 'b' } })].length, 1);
  });
  it('a resize re-counts the requests', () => {
    const { c, p } = setup();
    const q = clone(p);
    q.spec.containers[0].resources.requests.cpu = '3';
    c.updatePod(q);
    assert.equal(c.get('n1')!.requested.milliCPU, 3000);
  });
  it('an assumed pod confirmed by the watch is no longer assumed, with the same accounting', () => {
    const c = new Cache();
    c.addNode(node('n1', { cpu: '4' }));
    const p = pod('p', { cpu: '1' });
    c.assumePod(newPodInfo(p), 'n1');
    assert.equal(c.isAssumed(p.metadata.uid), true);
    const bound = { ...clone(p), spec: { ...clone(p.spec), nodeName: 'n1' } };
    c.addPod(bound);
    assert.equal(c.isAssumed(p.metadata.uid), false);
    assert.equal(c.get('n1')!.requested.milliCPU, 1000);
    assert.equal(c.get('n1')!.pods[0].pod, bound);
    c.forgetPod(p.metadata.uid); // only assumed pods are forgotten
    assert.equal(c.get('n1')!.pods.length, 1);
    c.removePod(bound);
    assert.equal(c.get('n1')!.requested.milliCPU, 0);
  });
});

describe('NodeInfo: the copied counters follow the Resource totals', () => {
  const mirrors = (n: any) => [n.allocMilliCPU, n.allocMemory, n.allocEphemeral, n.allocPods, n.podCount, n.reqMilliCPU, n.reqMemory, n.reqEphemeral, n.nonZeroMilliCPU, n.nonZeroMemory];
  const totals = (n: any) => [n.allocatable.milliCPU, n.allocatable.memory, n.allocatable.ephemeralStorage, n.allocatable.allowedPodNumber, n.pods.length,
    n.requested.milliCPU, n.requested.memory, n.requested.ephemeralStorage, n.nonZeroRequested.milliCPU, n.nonZeroRequested.memory];
  it('through node updates, pods added and removed, and clones', () => {
    const c = new Cache();
    c.addNode(node('n1', { cpu: '4', memory: '8Gi', pods: '3', extra: { 'ephemeral-storage': '10Gi' } }));
    const n = c.get('n1')!;
    assert.deepEqual(mirrors(n), totals(n));
    const a = pod('a', { cpu: '1', memory: '1Gi', nodeName: 'n1', extra: { 'ephemeral-storage': '1Gi' } });
    const b = pod('b', { nodeName: 'n1' }); // best effort: the non-zero defaults count
    c.addPod(a);
    c.addPod(b);
    assert.deepEqual(mirrors(n), totals(n));
    assert.equal(n.nonZeroMilliCPU, 1100);
    const copy = n.clone();
    copy.removePod(a.metadata.uid);
    assert.deepEqual(mirrors(copy), totals(copy));
    assert.deepEqual(mirrors(n), totals(n), 'the original is untouched');
    c.updateNode(node('n1', { cpu: '8', memory: '16Gi', pods: '5' }));
    c.removePod(b);
    assert.deepEqual(mirrors(n), totals(n));
    assert.deepEqual([n.allocMilliCPU, n.allocPods, n.podCount], [8000, 5, 1]);
  });
});
