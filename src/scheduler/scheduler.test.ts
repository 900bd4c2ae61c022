// The whole scheduling cycle over an in-memory cache: placements, upstream
// failure messages, events, conditions, profiles and the explain record.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { node, pod, testScheduler } from './testing.ts';

const zones = (n: number, z: number) => Array.from({ length: n }, (_, i) => node(`n${i}`, { labels: { 'topology.kubernetes.io/zone': `z${i % z}` } }));

describe('scheduler cycle', () => {
  it('binds a pod to a node with room and records Scheduled', async () => {
    const { schedule } = testScheduler([node('small', { cpu: '1' }), node('big', { cpu: '8' })]);
    const r = await schedule(pod('p', { cpu: '2' }));
    assert.equal(r.node, 'big');
    assert.deepEqual(r.events.map((e) => e.message), ['Successfully assigned default/p to big']);
  });

  const failures: { name: string; nodes: any[]; pod: any; message: string }[] = [
    {
      name: 'insufficient cpu and untolerated taints',
      nodes: [node('a', { cpu: '1' }), node('b', { cpu: '1' }), node('c', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
        node('d', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), node('e', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] })],
      pod: pod('p', { cpu: '2' }),
      message: '0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling..',
    },
    {
      name: 'cpu and memory both short',
      nodes: [node('a', { cpu: '1', memory: '1Gi' })],
      pod: pod('p', { cpu: '2', memory: '2Gi' }),
      message: '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..',
    },
    {
      name: 'node selector and cordon',
      nodes: [node('a', { unschedulable: true }), node('b')],
      pod: pod('p', { spec: { nodeSelector: { disk: 'ssd' } } }),
      message: "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..",
    },
    {
      name: 'preemptionPolicy Never',
      nodes: [node('a', { cpu: '1' })],
      pod: pod('p', { cpu: '2', spec: { preemptionPolicy: 'Never' } }),
      message: '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..',
    },
    {
      name: 'extended resource',
      nodes: [node('a', { extra: { 'example.com/gpu': '1' } }), node('b')],
      pod: pod('p', { extra: { 'example.com/gpu': '2' } }),
      message: '0/2 nodes are available: 2 Insufficient example.com/gpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..',
    },
    {
      name: 'no nodes',
      nodes: [],
      pod: pod('p'),
      message: 'no nodes available to schedule pods',
    },
  ];
  for (const t of failures) {
    it(`fails with upstream's message: ${t.name}`, async () => {
      const { schedule, api } = testScheduler(t.nodes);
      const r = await schedule(t.pod);
      assert.equal(r.node, undefined);
      assert.deepEqual(r.events, [{ reason: 'FailedScheduling', message: t.message, pod: 'p' }]);
      const cond = api.statuses[0].status.conditions.find((c: any) => c.type === 'PodScheduled');
      assert.equal(cond.status, 'False');
      assert.equal(cond.reason, t.nodes.length ? 'Unschedulable' : 'SchedulerError');
      assert.equal(cond.message, t.message);
    });
  }

  it('counts assumed pods so that a node is never double-booked', async () => {
    const { schedule } = testScheduler([node('a', { cpu: '2' }), node('b', { cpu: '2' })]);
    const placed = [];
    for (let i = 0; i < 4; i++) placed.push((await schedule(pod(`p${i}`, { cpu: '1' }))).node);
    assert.deepEqual(placed.sort(), ['a', 'a', 'b', 'b']);
    assert.equal((await schedule(pod('p4', { cpu: '1' }))).node, undefined);
  });

  it('spreads required anti-affinity replicas one per node and leaves the extra one pending', async () => {
    const { schedule } = testScheduler(zones(5, 1));
    const aff = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'w' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    const nodes = new Set();
    for (let i = 0; i < 5; i++) nodes.add((await schedule(pod(`w${i}`, { labels: { app: 'w' }, spec: { affinity: aff } }))).node);
    assert.equal(nodes.size, 5);
    const sixth = await schedule(pod('w5', { labels: { app: 'w' }, spec: { affinity: aff } }));
    assert.equal(sixth.node, undefined);
    assert.match(sixth.events[0].message, /^0\/5 nodes are available: 5 node\(s\) didn't match pod anti-affinity rules\./);
  });

  it('keeps zone counts within maxSkew 1', async () => {
    const { schedule } = testScheduler(zones(6, 3));
    const tsc = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }];
    const perZone: Record<string, number> = {};
    for (let i = 0; i < 9; i++) {
      const n = (await schedule(pod(`s${i}`, { labels: { app: 's' }, spec: { topologySpreadConstraints: tsc } }))).node!;
      const z = `z${Number(n.slice(1)) % 3}`;
      perZone[z] = (perZone[z] ?? 0) + 1;
      const counts = ['z0', 'z1', 'z2'].map((k) => perZone[k] ?? 0);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, JSON.stringify(perZone));
    }
    assert.deepEqual(perZone, { z0: 3, z1: 3, z2: 3 });
  });

  it('packs pods onto the fewest nodes with a MostAllocated profile', async () => {
    const yaml = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: bin-packing
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources: [{name: cpu, weight: 1}, {name: memory, weight: 1}]
`;
    const { schedule } = testScheduler([node('a', { cpu: '4' }), node('b', { cpu: '4' }), node('c', { cpu: '4' })], [], { configYaml: yaml });
    const used = new Set();
    for (let i = 0; i < 4; i++) used.add((await schedule(pod(`b${i}`, { cpu: '1', memory: '1Gi', spec: { schedulerName: 'bin-packing' } }))).node);
    assert.equal(used.size, 1);
  });

  it('preempts a lower-priority pod and nominates the node', async () => {
    const low = pod('low', { cpu: '3', priority: 0, nodeName: 'a' });
    const { schedule, api } = testScheduler([node('a', { cpu: '4' })], [low]);
    const r = await schedule(pod('high', { cpu: '2', priority: 1000 }));
    assert.equal(r.node, undefined);
    assert.deepEqual(api.deleted, ['low']);
    assert.equal(api.statuses.find((s) => s.pod === 'high')!.status.nominatedNodeName, 'a');
    assert.equal(api.statuses.find((s) => s.pod === 'low')!.status.conditions[0].reason, 'PreemptionByScheduler');
    assert.match(api.events.find((e) => e.reason === 'Preempted')!.message, /^Preempted by pod uid-high-\d+ on node a$/);
  });

  it('holds a preemptor (PreEnqueue) until its victims are deleted, then retries it on their delete event without waiting out backoff', async () => {
    const low = pod('low', { cpu: '3', priority: 0, nodeName: 'a' });
    const { s, api } = testScheduler([node('a', { cpu: '4' })], [low]);
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    api.deletePod = async (p) => { await held; api.deleted.push(p.metadata.name); };
    const high = pod('high', { cpu: '2', priority: 1000 });
    s.queue.add(high);
    await s.scheduleOne((await s.queue.pop())!);
    assert.deepEqual(s.queue.stats(), { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
    release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(api.deleted, ['low']);
    // The API calls are done, but the cache has not seen the victim go.
    assert.deepEqual(s.queue.stats(), { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
    s.cache.removePod(low);
    s.clusterEvent({ resource: 'Pod', action: 'Delete' });
    // Straight to activeQ, although still inside its 1 s backoff.
    assert.deepEqual(s.queue.stats(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
    await s.scheduleOne((await s.queue.pop())!);
    await new Promise((r) => setImmediate(r));
    assert.equal(api.binds.get('high'), 'a');
  });

  // A high-priority pod has preempted 'low' on node a (node b's low2 would do as well).
  async function preemptedOnce() {
    const low = pod('low', { cpu: '3', priority: 0, nodeName: 'a' });
    const low2 = pod('low2', { cpu: '3', priority: 0, nodeName: 'b' });
    const { s, api } = testScheduler([node('a', { cpu: '4' }), node('b', { cpu: '4' })], [low, low2]);
    s.queue.add(pod('high', { cpu: '2', priority: 1000 }));
    await s.scheduleOne((await s.queue.pop())!);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(api.deleted, ['low']);
    return { s, api, low };
  }

  it('keeps a preemptor held while its victim is still in the cache (the watch has not brought the delete back)', async () => {
    const { s, api, low } = await preemptedOnce();
    // Another pod's deletion: the victim is still there, the preemptor stays held.
    s.clusterEvent({ resource: 'Pod', action: 'Delete' });
    assert.deepEqual(s.queue.stats(), { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
    s.cache.removePod(low);
    s.clusterEvent({ resource: 'Pod', action: 'Delete' });
    await s.scheduleOne((await s.queue.pop())!);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(api.deleted, ['low']);
    assert.equal(api.binds.get('high'), 'a');
  });

  it('does not preempt again while its victim is terminating on the nominated node', async () => {
    const { s, api, low } = await preemptedOnce();
    // Graceful deletion: the victim stays in the cache with a deletionTimestamp.
    s.cache.updatePod({ ...low, metadata: { ...low.metadata, deletionTimestamp: '2024-01-01T00:00:10Z' } });
    s.clusterEvent({ resource: 'Pod', action: 'Delete' });
    await s.scheduleOne((await s.queue.pop())!);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(api.deleted, ['low']);
    assert.match(api.events.at(-1)!.message, /preemption: not eligible due to a terminating pod on the nominated node\.\.$/);
  });

  it('holds gated pods out of the active queue', () => {
    const { s } = testScheduler([node('a')]);
    s.queue.add(pod('g', { spec: { schedulingGates: [{ name: 'example.com/wait' }] } }));
    assert.deepEqual(s.queue.stats(), { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
  });

  it('records filter verdicts and scores for explain', async () => {
    const { schedule } = testScheduler([node('a', { cpu: '1' }), node('b', { cpu: '8' }), node('c', { cpu: '4' })]);
    const r = await schedule(pod('p', { cpu: '2' }));
    assert.equal(r.node, 'b');
    assert.deepEqual(r.record.filters.map((f) => [f.node, f.verdict, f.plugin]), [['a', 'Unschedulable', 'NodeResourcesFit'], ['b', 'Passed', undefined], ['c', 'Passed', undefined]]);
    assert.equal(r.record.scores[0].node, 'b');
    assert.ok(r.record.scores[0].total > r.record.scores[1].total);
    assert.match(r.record.why, /^b scored \d+, ahead of c with \d+ \(weighted difference by plugin: .*NodeResourcesFit \+\d+/);
  });
});
