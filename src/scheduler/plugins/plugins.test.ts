// Table-driven Filter and Score tests of the node-local plugins.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework/cycle-state.ts';
import { NodeInfo } from '../framework/node-info.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import type { Handle, Plugin } from '../framework/types.ts';
import { node, pod } from '../testing.ts';
import { nodeName } from './nodename/index.ts';
import { nodeUnschedulable } from './nodeunschedulable/index.ts';
import { nodePorts } from './nodeports/index.ts';
import { taintToleration } from './tainttoleration/index.ts';
import { nodeAffinity } from './nodeaffinity/index.ts';
import { nodeResourcesFit } from './noderesources/index.ts';
import { imageLocality } from './imagelocality/index.ts';
import { Cache } from '../cache/cache.ts';

function info(n: any, pods: any[] = []): NodeInfo {
  const i = new NodeInfo(n.metadata.name);
  i.setNode(n);
  for (const p of pods) i.addPod(newPodInfo(p));
  return i;
}

function verdict(p: Plugin, podObj: any, ni: NodeInfo): string {
  const state = new CycleState();
  const pi = newPodInfo(podObj);
  const pre = p.preFilter?.(state, pi, [ni]);
  if (pre?.status && pre.status.code === 5) return 'ok';
  const s = p.filter!(state, pi, ni);
  return s ? `${s.code}:${s.reasons.join('; ')}` : 'ok';
}

const hostPort = (port: number, ip?: string) => ({ containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, hostPort: port, hostIP: ip }] }] });

describe('Filter plugins', () => {
  const cases: { plugin: Plugin; name: string; pod: any; node: NodeInfo; want: string }[] = [
    { plugin: nodeName(), name: 'NodeName match', pod: pod('p', { spec: { nodeName: 'a' } }), node: info(node('a')), want: 'ok' },
    { plugin: nodeName(), name: 'NodeName mismatch', pod: pod('p', { spec: { nodeName: 'b' } }), node: info(node('a')), want: "3:node(s) didn't match the requested node name" },
    { plugin: nodeUnschedulable(), name: 'cordoned', pod: pod('p'), node: info(node('a', { unschedulable: true })), want: '3:node(s) were unschedulable' },
    { plugin: nodeUnschedulable(), name: 'cordoned but tolerated', pod: pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } }), node: info(node('a', { unschedulable: true })), want: 'ok' },
    { plugin: nodePorts(), name: 'port free', pod: pod('p', { spec: hostPort(8080) }), node: info(node('a'), [pod('q', { spec: hostPort(8081) })]), want: 'ok' },
    { plugin: nodePorts(), name: 'port taken', pod: pod('p', { spec: hostPort(8080) }), node: info(node('a'), [pod('q', { spec: hostPort(8080) })]), want: "2:node(s) didn't have free ports for the requested pod ports" },
    { plugin: nodePorts(), name: 'different IPs share a port', pod: pod('p', { spec: hostPort(8080, '10.0.0.1') }), node: info(node('a'), [pod('q', { spec: hostPort(8080, '10.0.0.2') })]), want: 'ok' },
    { plugin: nodePorts(), name: '0.0.0.0 collides with any IP', pod: pod('p', { spec: hostPort(8080) }), node: info(node('a'), [pod('q', { spec: hostPort(8080, '10.0.0.2') })]), want: "2:node(s) didn't have free ports for the requested pod ports" },
    { plugin: taintToleration(), name: 'NoSchedule taint', pod: pod('p'), node: info(node('a', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })), want: '3:node(s) had untolerated taint {k: v}' },
    { plugin: taintToleration(), name: 'PreferNoSchedule does not filter', pod: pod('p'), node: info(node('a', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] })), want: 'ok' },
    { plugin: taintToleration(), name: 'tolerated by key and value', pod: pod('p', { spec: { tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }] } }), node: info(node('a', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })), want: 'ok' },
    { plugin: taintToleration(), name: 'the second taint is the untolerated one', pod: pod('p', { spec: { tolerations: [{ key: 'x', operator: 'Exists' }, { key: 'k', operator: 'Exists', effect: 'NoExecute' }] } }), node: info(node('a', { taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }, { key: 'k2', value: 'w', effect: 'NoSchedule' }] })), want: '3:node(s) had untolerated taint {k2: w}' },
    { plugin: taintToleration(), name: 'a toleration for another effect does not count', pod: pod('p', { spec: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }] } }), node: info(node('a', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })), want: '3:node(s) had untolerated taint {k: v}' },
    { plugin: nodeAffinity(), name: 'nodeSelector mismatch', pod: pod('p', { spec: { nodeSelector: { disk: 'ssd' } } }), node: info(node('a')), want: "3:node(s) didn't match Pod's node affinity/selector" },
    { plugin: nodeAffinity(), name: 'required matchFields', pod: pod('p', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }] } } } } }), node: info(node('a')), want: 'ok' },
    { plugin: nodeAffinity({ addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'Exists' }] }] } } }), name: 'scheduler-enforced affinity', pod: pod('p'), node: info(node('a')), want: "3:node(s) didn't match scheduler-enforced node affinity" },
    { plugin: nodeResourcesFit(), name: 'fits', pod: pod('p', { cpu: '1', memory: '1Gi' }), node: info(node('a', { cpu: '2' }), [pod('q', { cpu: '1' })]), want: 'ok' },
    { plugin: nodeResourcesFit(), name: 'cpu used up', pod: pod('p', { cpu: '1' }), node: info(node('a', { cpu: '2' }), [pod('q', { cpu: '1500m' })]), want: '2:Insufficient cpu' },
    { plugin: nodeResourcesFit(), name: 'too many pods', pod: pod('p'), node: info(node('a', { pods: '1' }), [pod('q')]), want: '2:Too many pods' },
    { plugin: nodeResourcesFit({ ignoredResources: ['example.com/gpu'] }), name: 'ignored extended resource', pod: pod('p', { extra: { 'example.com/gpu': '1' } }), node: info(node('a')), want: 'ok' },
  ];
  for (const t of cases) it(`${t.plugin.name}: ${t.name}`, () => assert.equal(verdict(t.plugin, t.pod, t.node), t.want));
});

describe('Score plugins', () => {
  const run = (p: Plugin, podObj: any, nodes: NodeInfo[]) => {
    const state = new CycleState();
    const pi = newPodInfo(podObj);
    p.preScore?.(state, pi, nodes);
    if (p.normalizeScores) {
      const plain = Float64Array.from(nodes, (n) => p.score!(state, pi, n));
      p.normalizeScores(state, pi, plain);
      return [...plain];
    }
    const scores = nodes.map((n) => ({ name: n.name, score: p.score!(state, pi, n) }));
    p.normalizeScore?.(state, pi, scores);
    return scores.map((s) => s.score);
  };
  it('TaintToleration: fewer untolerated PreferNoSchedule taints score higher', () => {
    const t = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, effect: 'PreferNoSchedule' }));
    assert.deepEqual(run(taintToleration(), pod('p'), [info(node('a')), info(node('b', { taints: t(1) })), info(node('c', { taints: t(2) }))]), [100, 50, 0]);
  });
  it('TaintToleration: only tolerations for PreferNoSchedule (or every effect) lower the count', () => {
    const taints = [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }, { key: 'c', effect: 'NoSchedule' }];
    const tol = (tolerations: any[]) => pod('p', { spec: { tolerations } });
    // w's two taints are never tolerated by key, so it sets the maximum count (2) that x is scaled by.
    const other = [{ key: 'e', effect: 'PreferNoSchedule' }, { key: 'f', effect: 'PreferNoSchedule' }];
    const nodes = () => [info(node('x', { taints })), info(node('w', { taints: other })), info(node('y'))];
    const cases: [string, any, number[]][] = [
      ['none tolerated', tol([]), [0, 0, 100]],
      ['one tolerated for PreferNoSchedule', tol([{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }]), [50, 0, 100]],
      ['one tolerated for every effect', tol([{ key: 'b', operator: 'Exists' }]), [50, 0, 100]],
      ['a NoSchedule toleration does not count', tol([{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }]), [0, 0, 100]],
      ['all tolerated by an empty key with Exists', tol([{ operator: 'Exists' }]), [100, 100, 100]],
    ];
    for (const [name, p, want] of cases) assert.deepEqual(run(taintToleration(), p, nodes()), want, name);
  });
  it('NodeAffinity: preferred weights, normalized to the best', () => {
    const pref = [{ weight: 2, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }, { weight: 6, preference: { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] } }];
    const p = pod('p', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: pref } } } });
    assert.deepEqual(run(nodeAffinity(), p, [info(node('a', { labels: { disk: 'ssd' } })), info(node('b', { labels: { disk: 'ssd', gpu: '1' } })), info(node('c'))]), [25, 100, 0]);
  });
  it('ImageLocality: nodes holding big images score higher', () => {
    const cache = new Cache();
    cache.addNode(node('a', { images: [{ names: ['registry/big:1'], sizeBytes: 600 * 1024 * 1024 }] }));
    cache.addNode(node('b'));
    const handle = { snapshot: cache } as unknown as Handle;
    const p = pod('p', { spec: { containers: [{ name: 'c', image: 'registry/big:1' }] } });
    const [a, b] = run(imageLocality({}, handle), p, [cache.get('a')!, cache.get('b')!]);
    // 600MB spread over 1 of 2 nodes = 300MB; (300 - 23) * 100 / (1000 - 23) = 28
    assert.deepEqual([a, b], [28, 0]);
    // Score alone (a profile without its PreScore) fills the cycle's state on the first node.
    const plugin = imageLocality({}, handle);
    const state = new CycleState();
    const pi = newPodInfo(p);
    assert.deepEqual([plugin.score!(state, pi, cache.get('a')!), plugin.score!(state, pi, cache.get('b')!)], [28, 0]);
    // A later cycle sees the cluster as it is then: 600MB over 1 of 3 nodes = 200MB; (200 - 23) * 100 / 977 = 18
    cache.addNode(node('c'));
    assert.deepEqual(run(plugin, p, [cache.get('a')!]), [18]);
  });
});
