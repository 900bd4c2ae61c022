// Scheduling constraints through the real kubectl, on `k8ts server` and 6
// hollow nodes spread over 3 zones: required anti-affinity, topology spread,
// preemption with nominatedNodeName, and a MostAllocated (bin packing)
// profile served by a second scheduler.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, killGroup, writeTemp, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { adminClient } from '../support/http.ts';
import { until } from '../support/wait.ts';

const deployment = (name: string, replicas: number, spec: object, extra: object = {}) => JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: {
    replicas, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'registry.local/x:1', resources: { requests: { cpu: '100m' } } }], ...spec } },
    ...extra,
  },
});

describe('scheduling constraints on hollow nodes', { timeout: 240_000 }, () => {
  let c: TestCluster;
  const children: ChildProcess[] = [];
  let zoneOf = new Map<string, string>();

  const placements = async (app: string) => {
    const pods = JSON.parse(await c.k(['get', 'pods', '-l', `app=${app}`, '-o', 'json'])).items;
    return pods.map((p: any) => ({ name: p.metadata.name, node: p.spec.nodeName as string | undefined, status: p.status }));
  };

  before(async () => {
    c = await startCluster();
    const env = { ...process.env, K8TS_LOG: 'quiet' };
    children.push(spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '6', '--cpu', '4', '--zones', '3'], { stdio: 'ignore', env, detached: true }));
    const cfg = writeTemp('binpack.yaml', `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: bin-packing
  # Spreading scores (the cluster's default topology spread, balanced
  # allocation) would outweigh packing, upstream as here: turn them off.
  plugins:
    score:
      disabled: [{name: PodTopologySpread}, {name: NodeResourcesBalancedAllocation}]
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources: [{name: cpu, weight: 1}, {name: memory, weight: 1}]
`);
    children.push(spawn(K8TS, ['scheduler', '--kubeconfig', c.kubeconfig, '--leader-elect=false', '--scheduler-config', cfg, '--explain-port', '0'], { stdio: 'ignore', env, detached: true }));
    await until('6 Ready nodes', 30_000, async () => {
      const nodes = JSON.parse(await c.k(['get', 'nodes', '-o', 'json'])).items;
      const ready = nodes.filter((n: any) => n.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True'));
      zoneOf = new Map(ready.map((n: any) => [n.metadata.name, n.metadata.labels['topology.kubernetes.io/zone']]));
      return ready.length === 6;
    });
  });
  after(async () => {
    for (const ch of children) killGroup(ch);
    await destroyCluster(c);
  });

  it('spreads required anti-affinity replicas one per node, and leaves the extra one Pending', async () => {
    // Five of the six nodes are cordoned off by a taint, leaving 5 schedulable nodes.
    const nodes = [...zoneOf.keys()].sort();
    await c.k(['taint', 'node', nodes[5]!, 'e2e=off:NoSchedule']);
    try {
      const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'anti' } }, topologyKey: 'kubernetes.io/hostname' }] } } };
      await c.k(['apply', '-f', '-'], { input: deployment('anti', 6, anti) });
      const pods = await until('5 placed and 1 Pending', 30_000, async () => {
        const ps = await placements('anti');
        return ps.length === 6 && ps.filter((p: any) => p.node).length === 5 && ps.some((p: any) => p.status?.conditions?.some((x: any) => x.type === 'PodScheduled' && x.reason === 'Unschedulable')) && ps;
      });
      const used = pods.filter((p: any) => p.node).map((p: any) => p.node);
      assert.equal(new Set(used).size, 5, `two replicas share a node: ${used}`);
      const pending = pods.find((p: any) => !p.node);
      const msg = pending.status.conditions.find((x: any) => x.type === 'PodScheduled').message;
      assert.match(msg, /^0\/6 nodes are available: .*5 node\(s\) didn't match pod anti-affinity rules/);
    } finally {
      await c.k(['delete', 'deployment', 'anti']);
      await c.k(['taint', 'node', nodes[5]!, 'e2e=off:NoSchedule-']);
    }
  });

  it('keeps per-zone counts within maxSkew 1 over 3 zones', async () => {
    const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] };
    await c.k(['apply', '-f', '-'], { input: deployment('spread', 7, spread) });
    const pods = await until('7 placed', 30_000, async () => {
      const ps = await placements('spread');
      return ps.length === 7 && ps.every((p: any) => p.node) && ps;
    });
    const perZone = new Map<string, number>();
    for (const p of pods) perZone.set(zoneOf.get(p.node)!, (perZone.get(zoneOf.get(p.node)!) ?? 0) + 1);
    const counts = [...perZone.values()];
    assert.equal(perZone.size, 3, `zones used: ${[...perZone]}`);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `per-zone counts ${[...perZone]}`);
    await c.k(['delete', 'deployment', 'spread']);
  });

  it('lets a high-priority pod preempt a low-priority one and records nominatedNodeName', async () => {
    await c.k(['apply', '-f', '-'], { input: [
      'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: e2e-low}\nvalue: 10',
      'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: e2e-high}\nvalue: 1000',
    ].join('\n---\n') });
    await until('the old deployments to be gone', 30_000, async () => (await c.k(['get', 'pods', '-o', 'name'])).trim() === '');
    // Fill every node: 6 low-priority pods of 3.5 CPU on 4-CPU nodes.
    const fill = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'low' }, spec: {
      replicas: 6, selector: { matchLabels: { app: 'low' } },
      template: { metadata: { labels: { app: 'low' } }, spec: { priorityClassName: 'e2e-low', containers: [{ name: 'c', image: 'registry.local/x:1', resources: { requests: { cpu: '3500m' } } }] } },
    } });
    await c.k(['apply', '-f', '-'], { input: fill });
    await until('6 low pods placed', 30_000, async () => (await placements('low')).filter((p: any) => p.node).length === 6);
    const http = adminClient(c.kubeconfig);
    let nominated = '';
    const close = await http.watch('/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dvip', (ev) => {
      nominated ||= ev.object?.status?.nominatedNodeName ?? '';
    });
    await c.k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'vip', labels: { app: 'vip' } }, spec: {
      priorityClassName: 'e2e-high', containers: [{ name: 'c', image: 'registry.local/x:1', resources: { requests: { cpu: '2' } } }],
    } }) });
    const bound = await until('vip to be bound', 30_000, async () => (await c.k(['get', 'pod', 'vip', '-o', 'jsonpath={.spec.nodeName}'])).trim());
    close();
    http.close();
    assert.equal(nominated, bound, 'the pod was not nominated to the node it was bound to');
    const events = JSON.parse(await c.k(['get', 'events', '-o', 'json'])).items;
    const preempted = events.filter((e: any) => e.reason === 'Preempted');
    assert.ok(preempted.length >= 1, 'no Preempted event');
    assert.match(preempted[0].message, /^Preempted by pod /);
    await c.k(['delete', 'deployment', 'low']);
    await c.k(['delete', 'pod', 'vip']);
  });

  it('packs pods onto the fewest nodes under a MostAllocated profile', async () => {
    await until('the old pods to be gone', 30_000, async () => (await c.k(['get', 'pods', '-o', 'name'])).trim() === '');
    await c.k(['apply', '-f', '-'], { input: deployment('packed', 6, { schedulerName: 'bin-packing', containers: [{ name: 'c', image: 'registry.local/x:1', resources: { requests: { cpu: '1' } } }] }) });
    const pods = await until('6 packed pods placed', 30_000, async () => {
      const ps = await placements('packed');
      return ps.length === 6 && ps.every((p: any) => p.node) && ps;
    });
    // 6 × 1 CPU on 4-CPU nodes fits on 2 nodes; the default (LeastAllocated) would use all 6.
    const used = new Set(pods.map((p: any) => p.node));
    assert.equal(used.size, 2, `packed onto ${used.size} nodes: ${[...used]}`);
  });
});
