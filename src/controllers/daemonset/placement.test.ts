import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { daemonTolerations, nodeShouldRunDaemonPod, podForNode, scaled, surgeAndUnavailable, targetNodeName, isPodUpdated } from './placement.ts';

const node = (name: string, labels: Record<string, string> = {}, taints: any[] = []) => ({ metadata: { name, labels }, spec: { taints } });
const ds = (spec: any = {}, meta: any = {}) => ({ metadata: { name: 'agent', namespace: 'ns', uid: 'u', generation: 3, ...meta }, spec: { template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } } } });

describe('daemon tolerations', () => {
  it('adds upstream\'s tolerations, network-unavailable only for hostNetwork, replacing a user duplicate', () => {
    const keys = (spec: any) => daemonTolerations(spec).map((t) => `${t.key}:${t.effect}`);
    assert.deepEqual(keys({}), [
      'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    assert.ok(keys({ hostNetwork: true }).includes('node.kubernetes.io/network-unavailable:NoSchedule'));
    const withSeconds = daemonTolerations({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }, { key: 'x', operator: 'Exists' }] });
    assert.equal(withSeconds.filter((t) => t.key === 'node.kubernetes.io/not-ready').length, 1);
    assert.equal((withSeconds.find((t) => t.key === 'node.kubernetes.io/not-ready') as any).tolerationSeconds, undefined);
    assert.equal(withSeconds[0].key, 'x');
  });
});

describe('nodeShouldRunDaemonPod', () => {
  const cases: { name: string; node: any; spec?: any; want: [boolean, boolean] }[] = [
    { name: 'plain node', node: node('n1'), want: [true, true] },
    { name: 'nodeSelector matches', node: node('n1', { disk: 'ssd' }), spec: { nodeSelector: { disk: 'ssd' } }, want: [true, true] },
    { name: 'nodeSelector excludes', node: node('n1'), spec: { nodeSelector: { disk: 'ssd' } }, want: [false, false] },
    { name: 'nodeName elsewhere', node: node('n1'), spec: { nodeName: 'n2' }, want: [false, false] },
    {
      name: 'required affinity excludes', node: node('n1', { zone: 'a' }),
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }] } } } },
      want: [false, false],
    },
    { name: 'untolerated NoSchedule keeps running pods', node: node('n1', {}, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]), want: [false, true] },
    { name: 'untolerated NoExecute evicts', node: node('n1', {}, [{ key: 'k', effect: 'NoExecute' }]), want: [false, false] },
    { name: 'tolerated taint', node: node('n1', {}, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]), spec: { tolerations: [{ key: 'k', operator: 'Equal', value: 'v' }] }, want: [true, true] },
    { name: 'PreferNoSchedule does not matter', node: node('n1', {}, [{ key: 'k', effect: 'PreferNoSchedule' }]), want: [true, true] },
    { name: 'not-ready and unschedulable are tolerated', node: node('n1', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), want: [true, true] },
    { name: 'network-unavailable only for hostNetwork', node: node('n1', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), want: [false, true] },
    { name: 'network-unavailable with hostNetwork', node: node('n1', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), spec: { hostNetwork: true }, want: [true, true] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = nodeShouldRunDaemonPod(c.node, ds(c.spec));
      assert.deepEqual([r.shouldRun, r.shouldContinueRunning], c.want);
    });
  }
});

describe('daemon pods', () => {
  it('pins the pod to its node through matchFields, with labels and tolerations', () => {
    const d = ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }] }, preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: {} }] } } });
    const pod = podForNode(d, 'h1', 'n7');
    assert.equal(pod.metadata.generateName, 'agent-');
    assert.deepEqual(pod.metadata.labels, { app: 'a', 'pod-template-generation': '3', 'controller-revision-hash': 'h1' });
    assert.deepEqual(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution,
      { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }] });
    assert.equal(pod.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution.length, 1);
    assert.equal(pod.spec.tolerations.length, 6);
    assert.equal(targetNodeName(pod), 'n7');
    assert.equal(targetNodeName({ spec: { ...pod.spec, nodeName: 'n8' } }), 'n8');
    assert.equal(targetNodeName({ spec: {} }), undefined);
    // The DaemonSet's own template is untouched.
    assert.equal(d.spec.template.spec.tolerations, undefined);
  });

  it('takes the template generation from the apiserver annotation when present', () => {
    const pod = podForNode(ds({}, { annotations: { 'deprecated.daemonset.template.generation': '7' } }), 'h', 'n');
    assert.equal(pod.metadata.labels['pod-template-generation'], '7');
  });

  it('counts a pod updated by hash or by template generation', () => {
    const pod = (labels: any) => ({ metadata: { labels } });
    assert.ok(isPodUpdated(pod({ 'controller-revision-hash': 'h' }), 'h', 1));
    assert.ok(isPodUpdated(pod({ 'pod-template-generation': '1' }), 'x', 1));
    assert.ok(!isPodUpdated(pod({ 'controller-revision-hash': 'o', 'pod-template-generation': '1' }), 'h', 2));
  });
});

describe('surge and unavailability', () => {
  const cases: { v: unknown; total: number; want: number }[] = [
    { v: 2, total: 20, want: 2 }, { v: '10%', total: 20, want: 2 }, { v: '10%', total: 21, want: 3 }, { v: '1%', total: 5, want: 1 }, { v: '0%', total: 5, want: 0 }, { v: undefined, total: 5, want: 0 },
  ];
  for (const c of cases) it(`${String(c.v)} of ${c.total} rounds up to ${c.want}`, () => assert.equal(scaled(c.v, c.total), c.want));

  it('falls back to one unavailable when both are zero', () => {
    const d = { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } } };
    assert.deepEqual(surgeAndUnavailable(d, 4), { maxSurge: 0, maxUnavailable: 1 });
    assert.deepEqual(surgeAndUnavailable(d, 0), { maxSurge: 0, maxUnavailable: 0 });
  });
});
