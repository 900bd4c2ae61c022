// DaemonSets on hollow nodes, driven by the real kubectl: one pod per node
// (and on a node that joins later), a rolling update that a watcher checks
// against maxUnavailable at every event, rollout status/history/undo,
// nodeSelector, taints and tolerations.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, K8TS, writeTemp } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { adminClient } from '../support/http.ts';
import { until } from '../support/wait.ts';

const NODES = 20;

function daemonSet(name: string, spec: { image?: string; nodeSelector?: Record<string, string>; tolerations?: any[]; maxUnavailable?: number } = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: spec.maxUnavailable ?? 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'agent', image: spec.image ?? 'registry.local/agent:1' }],
          ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}), ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
        },
      },
    },
  });
}

describe('DaemonSet controller', { timeout: 180_000 }, () => {
  let c: TestCluster;
  const hollows: ChildProcess[] = [];
  let http: ReturnType<typeof adminClient>;

  const hollow = (args: string[]) => {
    const p = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, ...args], { stdio: 'ignore', env: { ...process.env, K8TS_LOG: 'quiet' } });
    hollows.push(p);
  };
  const readyNodes = async () => (await c.k(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => /\sReady\s/.test(l)).length;
  const podsOf = async (app: string) => JSON.parse(await c.k(['get', 'pods', '-l', `app=${app}`, '-o', 'json'])).items as any[];
  /** Running, non-terminating pods of app by node name. */
  const placement = async (app: string) => {
    const by = new Map<string, number>();
    for (const p of await podsOf(app)) {
      if (p.metadata.deletionTimestamp || p.status?.phase !== 'Running') continue;
      by.set(p.spec.nodeName, (by.get(p.spec.nodeName) ?? 0) + 1);
    }
    return by;
  };
  const dsStatus = async (name: string) => JSON.parse(await c.k(['get', 'ds', name, '-o', 'json'])).status;

  /**
   * Follows the agent pods through a watch from a fresh list and records, at
   * every event, how many of total nodes lack a ready pod (worst) and the
   * most non-terminating pods one node had (crowded).
   */
  const watchAgents = async (total: number) => {
    const pods = new Map<string, any>();
    const list = JSON.parse((await http.call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dagent')).body);
    for (const p of list.items) pods.set(p.metadata.uid, p);
    const lacking = () => {
      const ok = new Set<string>();
      for (const p of pods.values()) {
        const ready = p.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True');
        if (ready && !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && p.spec.nodeName) ok.add(p.spec.nodeName);
      }
      return total - ok.size;
    };
    const mostOnOneNode = () => {
      const by = new Map<string, number>();
      for (const p of pods.values()) {
        if (p.metadata.deletionTimestamp) continue;
        const node = p.spec.nodeName ?? p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
        by.set(node, (by.get(node) ?? 0) + 1);
      }
      return Math.max(0, ...by.values());
    };
    assert.equal(lacking(), 0);
    const w = { events: 0, worst: 0, crowded: mostOnOneNode(), stop: () => {}, settled: async (_image: string): Promise<unknown> => undefined };
    w.stop = await http.watch(`/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dagent&resourceVersion=${list.metadata.resourceVersion}`, (ev) => {
      if (ev.type === 'DELETED') pods.delete(ev.object.metadata.uid);
      else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') pods.set(ev.object.metadata.uid, ev.object);
      else return;
      w.events++;
      w.worst = Math.max(w.worst, lacking());
      w.crowded = Math.max(w.crowded, mostOnOneNode());
    });
    w.settled = (image: string) => until('the watch caught up', 10_000, async () => lacking() === 0 && [...pods.values()].every((p) => p.spec.containers[0].image === image));
    return w;
  };

  before(async () => {
    c = await startCluster();
    http = adminClient(c.kubeconfig);
    hollow(['--nodes', String(NODES)]);
    await until(`${NODES} hollow nodes Ready`, 60_000, async () => (await readyNodes()) === NODES);
  });
  after(async () => {
    for (const p of hollows) p.kill('SIGTERM');
    http?.close();
    await destroyCluster(c);
  });

  it('puts exactly one pod on every node, and on a node that joins later', async () => {
    await c.k(['apply', '-f', writeTemp('agent.json', daemonSet('agent', { maxUnavailable: 2 }))]);
    assert.match(await c.k(['rollout', 'status', 'daemonset/agent', '--timeout=60s']), /daemon set "agent" successfully rolled out/);
    const by = await placement('agent');
    assert.equal(by.size, NODES);
    for (const [node, n] of by) assert.equal(n, 1, `pods on ${node}`);
    assert.equal((await podsOf('agent')).length, NODES);
    const st = await dsStatus('agent');
    assert.deepEqual(
      [st.desiredNumberScheduled, st.currentNumberScheduled, st.numberReady, st.updatedNumberScheduled, st.numberAvailable, st.numberMisscheduled, st.numberUnavailable],
      [NODES, NODES, NODES, NODES, NODES, 0, undefined]);
    const pod = (await podsOf('agent'))[0];
    assert.ok(pod.metadata.labels['controller-revision-hash']);
    assert.ok(pod.metadata.labels['pod-template-generation']);
    assert.deepEqual(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.spec.nodeName] }] }]);
    assert.ok(pod.spec.tolerations.some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute' && t.tolerationSeconds === undefined));
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.kind=DaemonSet,reason=SuccessfulCreate', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /Created pod: agent-/);

    hollow(['--nodes', '1', '--name-prefix', 'late-']);
    await until('a pod on the late node', 60_000, async () => (await placement('agent')).get('late-0') === 1);
    await until('status counting 21 nodes', 30_000, async () => (await dsStatus('agent')).numberAvailable === NODES + 1);
    const after = await placement('agent');
    assert.equal(after.size, NODES + 1);
    for (const n of after.values()) assert.equal(n, 1);
  });

  it('rolls out a new template with at most maxUnavailable nodes lacking a ready pod, and undoes it', async () => {
    const total = NODES + 1;
    const w = await watchAgents(total);
    try {
      await c.k(['set', 'image', 'daemonset/agent', 'agent=registry.local/agent:2']);
      assert.match(await c.k(['rollout', 'status', 'daemonset/agent', '--timeout=90s']), /daemon set "agent" successfully rolled out/);
      await w.settled('registry.local/agent:2');
    } finally {
      w.stop();
    }
    assert.ok(w.events > total * 2, `the watcher saw the rollout (${w.events} events)`);
    assert.ok(w.worst >= 1 && w.worst <= 2, `at most maxUnavailable=2 nodes lacked a ready pod at any moment (worst ${w.worst})`);
    assert.equal(w.crowded, 1, 'never two pods on one node without surge');
    const by = await placement('agent');
    assert.equal(by.size, total);
    for (const n of by.values()) assert.equal(n, 1);

    const history = await c.k(['rollout', 'history', 'daemonset/agent']);
    assert.match(history, /^REVISION\s+CHANGE-CAUSE/m);
    assert.match(history, /^1\s+/m);
    assert.match(history, /^2\s+/m);
    assert.match(await c.k(['rollout', 'history', 'daemonset/agent', '--revision=1']), /registry\.local\/agent:1/);
    const revs = JSON.parse(await c.k(['get', 'controllerrevisions', '-l', 'app=agent', '-o', 'json'])).items;
    assert.deepEqual(revs.map((r: any) => r.revision).sort(), [1, 2]);

    assert.match(await c.k(['rollout', 'undo', 'daemonset/agent']), /rolled back/);
    assert.match(await c.k(['rollout', 'status', 'daemonset/agent', '--timeout=90s']), /successfully rolled out/);
    assert.equal(await c.k(['get', 'ds', 'agent', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'registry.local/agent:1');
    await until('every pod back on image 1', 30_000, async () => {
      const ps = (await podsOf('agent')).filter((p) => !p.metadata.deletionTimestamp);
      return ps.length === total && ps.every((p) => p.spec.containers[0].image === 'registry.local/agent:1');
    });
    const after = await c.k(['rollout', 'history', 'daemonset/agent']);
    assert.match(after, /^2\s+/m);
    assert.match(after, /^3\s+/m);
    assert.doesNotMatch(after, /^1\s+/m);
    // The revision data is byte for byte what kubectl computes from the live object, so it sees the match.
    assert.match(await c.k(['rollout', 'undo', 'daemonset/agent', '--to-revision=3']), /skipped rollback \(current template already matches revision 3\)/);
  });

  it('surges with maxSurge: a new pod first, the old one only once the new one is available', async () => {
    const total = NODES + 1;
    await c.k(['patch', 'daemonset/agent', '--type=merge', '-p', JSON.stringify({ spec: { updateStrategy: { rollingUpdate: { maxSurge: '10%', maxUnavailable: 0 } } } })]);
    const w = await watchAgents(total);
    try {
      await c.k(['set', 'image', 'daemonset/agent', 'agent=registry.local/agent:3']);
      assert.match(await c.k(['rollout', 'status', 'daemonset/agent', '--timeout=90s']), /successfully rolled out/);
      await w.settled('registry.local/agent:3');
    } finally {
      w.stop();
    }
    assert.equal(w.worst, 0, 'every node kept a ready pod');
    assert.equal(w.crowded, 2, 'an old and a new pod side by side, never more');
    const by = await placement('agent');
    assert.equal(by.size, total);
    for (const n of by.values()) assert.equal(n, 1);
  });

  it('keeps pods off nodes the nodeSelector excludes and off tainted nodes unless tolerated', async () => {
    await c.k(['label', 'node', 'hollow-0', 'hollow-1', 'hollow-2', 'role=edge']);
    await c.k(['taint', 'node', 'hollow-2', 'dedicated=edge:NoSchedule']);
    await c.k(['apply', '-f', writeTemp('edge.json', daemonSet('edge', { nodeSelector: { role: 'edge' } }))]);
    await c.k(['apply', '-f', writeTemp('edge-tol.json', daemonSet('edge-tol', { nodeSelector: { role: 'edge' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'edge', effect: 'NoSchedule' }] }))]);
    await c.k(['rollout', 'status', 'daemonset/edge', '--timeout=60s']);
    await c.k(['rollout', 'status', 'daemonset/edge-tol', '--timeout=60s']);
    assert.deepEqual([...(await placement('edge')).keys()].sort(), ['hollow-0', 'hollow-1']);
    assert.deepEqual([...(await placement('edge-tol')).keys()].sort(), ['hollow-0', 'hollow-1', 'hollow-2']);
    assert.equal((await dsStatus('edge')).desiredNumberScheduled, 2);

    // A node that gains the label gets a pod; one that loses it loses its pod.
    await c.k(['label', 'node', 'hollow-3', 'role=edge']);
    await c.k(['label', 'node', 'hollow-0', 'role-']);
    await until('edge pods following the labels', 30_000, async () => [...(await placement('edge')).keys()].sort().join() === 'hollow-1,hollow-3'
      && (await podsOf('edge')).length === 2);
    // An untolerated NoExecute taint evicts the daemon pod.
    await c.k(['taint', 'node', 'hollow-1', 'evict=now:NoExecute']);
    await until('edge pod leaves the NoExecute node', 30_000, async () => (await podsOf('edge')).every((p) => p.spec.nodeName !== 'hollow-1'));
    const st = await dsStatus('edge');
    assert.equal(st.desiredNumberScheduled, 1);
    assert.equal(st.numberMisscheduled, 0);
  });
  it('replaces a failed daemon pod and says so', async () => {
    await c.k(['label', 'node', 'hollow-5', 'role=crash']);
    const spec = JSON.parse(daemonSet('crashy', { nodeSelector: { role: 'crash' } }));
    // Hollow pods with an exit code run for a second, then fail.
    spec.spec.template.metadata.annotations = { 'hollow.k8ts.io/exit-code': '1' };
    await c.k(['apply', '-f', writeTemp('crashy.json', JSON.stringify(spec))]);
    const events = () => c.k(['get', 'events', '--field-selector', 'involvedObject.name=crashy', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    const out = await until('a failed pod replaced twice', 30_000, async () => {
      const e = await events();
      return (e.match(/^SuccessfulCreate: /gm) ?? []).length >= 3 && /^SuccessfulDelete: Deleted pod: crashy-/m.test(e) && e;
    });
    assert.match(out, /^FailedDaemonPod: Found failed daemon pod default\/crashy-\w+ on node hollow-5, will try to kill it$/m);
    const pods = (await podsOf('crashy')).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed');
    assert.ok(pods.length <= 1, 'at most one live pod on the node');
    await c.k(['delete', 'daemonset', 'crashy']);
  });
});
