// The cache's pod index, and the PreFilter states built from it checked
// against a brute-force count over every pod of every node.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cache } from './cache.ts';
import { newPodInfo } from '../framework/pod-info.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import { matchesSelector } from '../framework/selectors.ts';
import { node, pod } from '../testing.ts';
import { computeSpreadState } from '../plugins/podtopologyspread/filter.ts';
import { podConstraints, nodeCounts, nodeHasKeys } from '../plugins/podtopologyspread/constraints.ts';
import { computeFilterState, account, FilterState } from '../plugins/interpodaffinity/filter.ts';

const names = (it: Iterable<{ pi: PodInfo }>) => [...it].map((e) => e.pi.pod.metadata.name).sort();

describe('PodIndex candidates', () => {
  const c = new Cache();
  c.addNode(node('n1'));
  c.addPod(pod('a', { nodeName: 'n1', labels: { app: 'web', tier: 'fe' } }));
  c.addPod(pod('b', { nodeName: 'n1', labels: { app: 'db' } }));
  c.addPod(pod('c', { nodeName: 'n1', labels: { app: 'web' }, namespace: 'other' }));
  const gone = pod('d', { nodeName: 'n1', labels: { app: 'web' } });
  c.addPod(gone);
  c.removePod(gone);
  const assumed = c.assumePod(newPodInfo(pod('e', { labels: { tier: 'fe' } })), 'n1');
  const cases: { name: string; ns: string; sel: any; want: string[] }[] = [
    { name: 'nil selector', ns: 'default', sel: null, want: [] },
    { name: 'empty selector: the whole namespace', ns: 'default', sel: {}, want: ['a', 'b', 'e'] },
    { name: 'matchLabels narrows to the label', ns: 'default', sel: { matchLabels: { app: 'web' } }, want: ['a'] },
    { name: 'In unions its values', ns: 'default', sel: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] }, want: ['a', 'b'] },
    { name: 'Exists', ns: 'default', sel: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, want: ['a', 'e'] },
    { name: 'NotIn cannot narrow: the namespace', ns: 'default', sel: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, want: ['a', 'b', 'e'] },
    { name: 'other namespace', ns: 'other', sel: { matchLabels: { app: 'web' } }, want: ['c'] },
    { name: 'unknown namespace', ns: 'none', sel: {}, want: [] },
  ];
  for (const tc of cases) it(tc.name, () => assert.deepEqual(names(c.podCandidates(tc.ns, tc.sel)), tc.want));
  it('knows the lowest priority of the cached pods', () => {
    const d = new Cache();
    d.addNode(node('n'));
    assert.equal(d.lowestPodPriority(), undefined);
    const lo = pod('lo', { nodeName: 'n', priority: -5 });
    d.addPod(lo);
    d.addPod(pod('hi', { nodeName: 'n', priority: 100 }));
    assert.equal(d.lowestPodPriority(), -5);
    d.removePod(lo);
    assert.equal(d.lowestPodPriority(), 100);
  });
  it('drops a forgotten assumed pod', () => {
    c.forgetPod(assumed.uid);
    assert.deepEqual(names(c.podCandidates('default', { matchLabels: { tier: 'fe' } })), ['a']);
  });
});

/** A small deterministic PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function randomCluster(seed: number): Cache {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const c = new Cache();
  for (let i = 0; i < 30; i++) {
    const labels: Record<string, string> = {};
    if (r() < 0.9) labels['topology.kubernetes.io/zone'] = pick(['z1', 'z2', 'z3']);
    if (r() < 0.5) labels.disk = 'ssd';
    c.addNode(node(`n${i}`, { labels, taints: r() < 0.2 ? [{ key: 'k', effect: 'NoSchedule' }] : undefined }));
  }
  const pods: any[] = [];
  for (let i = 0; i < 200; i++) {
    const p = pod(`p${i}`, { nodeName: `n${Math.floor(r() * 30)}`, namespace: pick(['a', 'b']), labels: { app: pick(['web', 'db', 'x']), ...(r() < 0.3 ? { tier: 'fe' } : {}) } });
    if (r() < 0.1) p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
    if (r() < 0.2) p.spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: pick(['web', 'db']) } }, topologyKey: pick(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']) }] } };
    pods.push(p);
    c.addPod(p);
  }
  for (const p of pods) if (r() < 0.15) c.removePod(p);
  for (let i = 0; i < 10; i++) c.assumePod(newPodInfo(pod(`as${i}`, { namespace: 'a', labels: { app: 'web' } })), `n${i * 3}`);
  return c;
}

describe('PreFilter states from the index equal a count over every pod', () => {
  const incoming = [
    { name: 'hostname spread, every node counts', spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } }] } },
    { name: 'spread with nodeSelector and taints honored', spec: { nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', nodeTaintsPolicy: 'Honor', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] } }] } },
    { name: 'two constraints (hostname and zone)', spec: { topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { tier: 'fe' } } }, { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', labelSelector: {} }] } },
  ];
  for (const seed of [1, 2, 3]) {
    for (const tc of incoming) {
      it(`${tc.name} (seed ${seed})`, () => {
        const c = randomCluster(seed);
        const p = pod('in', { namespace: 'a', labels: { app: 'web' }, spec: tc.spec });
        const cs = podConstraints(p, 'DoNotSchedule', [], { get: () => undefined, list: () => [] });
        const got = computeSpreadState(p, cs, c);
        const want = cs.map(() => new Map<string, number>());
        for (const n of c.nodes()) {
          if (!nodeHasKeys(n.node, cs)) continue;
          cs.forEach((k, i) => {
            if (!nodeCounts(k, p, n.node)) return;
            const v = n.node.metadata.labels[k.topologyKey];
            const m = n.pods.filter((x) => !x.pod.metadata.deletionTimestamp && x.pod.metadata.namespace === 'a' && matchesSelector(k.selector, x.pod.metadata.labels)).length;
            want[i].set(v, (want[i].get(v) ?? 0) + m);
          });
        }
        assert.deepEqual(got.counts.map((m) => Object.fromEntries([...m].sort())), want.map((m) => Object.fromEntries([...m].sort())));
      });
    }
    it(`inter-pod affinity and anti-affinity, namespaceSelector (seed ${seed})`, () => {
      const c = randomCluster(seed);
      const nsLabels = (ns: string) => ({ team: ns === 'b' ? 'blue' : 'red' });
      const p = newPodInfo(pod('in', { namespace: 'a', labels: { app: 'web' }, spec: { affinity: {
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, namespaceSelector: { matchLabels: { team: 'blue' } }, topologyKey: 'topology.kubernetes.io/zone' }] },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, topologyKey: 'kubernetes.io/hostname' }] },
      } } }));
      const got = computeFilterState(p, c, c.havePodsWithRequiredAntiAffinity(), nsLabels);
      const want = new FilterState(p);
      for (const n of c.nodes()) for (const e of n.pods) account(want, e, n, nsLabels, 1);
      const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort());
      assert.deepEqual([sorted(got.affinity), sorted(got.anti), sorted(got.existingAnti)], [sorted(want.affinity), sorted(want.anti), sorted(want.existingAnti)]);
      assert.ok(want.affinity.size + want.anti.size + want.existingAnti.size > 0, 'the case exercises some counts');
    });
  }
});
