// PodDisruptionBudgets against a real server and hollow nodes, driven by the
// real kubectl: the disruption controller's status, the eviction
// subresource's 429 with upstream's Status, and `kubectl drain` that stops
// at a budget and completes once the budget allows it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, killGroup, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { adminClient } from '../support/http.ts';
import { until } from '../support/wait.ts';

const WEB = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: pdb-e2e }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      nodeSelector: { kubernetes.io/hostname: hollow-0 }
      containers: [{ name: web, image: registry.local/web:1 }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web-pdb, namespace: pdb-e2e }
spec:
  minAvailable: 2
  selector: { matchLabels: { app: web } }
`;

describe('PodDisruptionBudget and kubectl drain', { timeout: 180_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess | undefined;
  let http: ReturnType<typeof adminClient>;
  const json = async (args: string[]) => JSON.parse(await c.k([...args, '-o', 'json']));

  before(async () => {
    c = await startCluster();
    http = adminClient(c.kubeconfig);
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '2'], { stdio: 'ignore', detached: true, env: { ...process.env, K8TS_LOG: 'quiet' } });
    await until('2 Ready hollow nodes', 30_000, async () => (await c.k(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => /\sReady\s/.test(l)).length === 2);
    await c.k(['create', 'namespace', 'pdb-e2e']);
    await c.k(['apply', '-f', '-'], { input: WEB });
    await c.k(['-n', 'pdb-e2e', 'rollout', 'status', 'deployment/web', '--timeout=60s']);
  });
  after(async () => {
    if (hollow) killGroup(hollow);
    http?.close();
    await destroyCluster(c);
  });

  it('reports the budget in the PDB status', async () => {
    const pdb = await until('PDB status observed', 15_000, async () => {
      const p = await json(['-n', 'pdb-e2e', 'get', 'pdb', 'web-pdb']);
      return p.status?.observedGeneration === p.metadata.generation && p.status.currentHealthy === 2 ? p : undefined;
    });
    assert.equal(pdb.status.expectedPods, 2);
    assert.equal(pdb.status.desiredHealthy, 2);
    assert.equal(pdb.status.disruptionsAllowed, 0);
    const cond = pdb.status.conditions.find((x: any) => x.type === 'DisruptionAllowed');
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'InsufficientPods');
    // kubectl get shows upstream's columns.
    const table = await c.k(['-n', 'pdb-e2e', 'get', 'pdb', 'web-pdb']);
    assert.match(table, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/m);
    assert.match(table, /^web-pdb\s+2\s+N\/A\s+0\s+\S+$/m);
  });

  it('refuses an eviction with 429 and the DisruptionBudget cause', async () => {
    const pod = (await c.k(['-n', 'pdb-e2e', 'get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const body = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'pdb-e2e' } });
    const r = await http.call('POST', `/api/v1/namespaces/pdb-e2e/pods/${pod}/eviction`, body);
    assert.equal(r.status, 429);
    const st = r.json();
    assert.equal(st.reason, 'TooManyRequests');
    assert.equal(st.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(st.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }]);
  });

  it('evicts a pod that never started regardless of its budget', async () => {
    await c.k(['-n', 'pdb-e2e', 'run', 'stuck', '--image=registry.local/web:1', '--labels=app=stuck', '--overrides={"spec":{"nodeSelector":{"kubernetes.io/hostname":"nowhere"}}}']);
    await c.k(['-n', 'pdb-e2e', 'create', 'pdb', 'stuck', '--selector=app=stuck', '--min-available=5']);
    const body = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'stuck', namespace: 'pdb-e2e' }, deleteOptions: { gracePeriodSeconds: 0 } });
    const r = await http.call('POST', '/api/v1/namespaces/pdb-e2e/pods/stuck/eviction', body);
    assert.equal(r.status, 201, r.body);
    await until('the pending pod gone', 10_000, async () => (await c.kubectl(['-n', 'pdb-e2e', 'get', 'pod', 'stuck'])).code !== 0);
    await c.k(['-n', 'pdb-e2e', 'delete', 'pdb', 'stuck']);
  });

  it('refuses with 500 when two budgets select the pod', async () => {
    await c.k(['-n', 'pdb-e2e', 'create', 'pdb', 'second', '--selector=app=web', '--max-unavailable=1']);
    const pod = (await c.k(['-n', 'pdb-e2e', 'get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const body = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'pdb-e2e' } });
    const r = await http.call('POST', `/api/v1/namespaces/pdb-e2e/pods/${pod}/eviction`, body);
    assert.equal(r.status, 500);
    assert.equal(r.json().message, 'Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    await c.k(['-n', 'pdb-e2e', 'delete', 'pdb', 'second']);
  });

  it('stops kubectl drain at the budget, and completes once it allows', async () => {
    const blocked = await c.kubectl(['drain', 'hollow-0', '--ignore-daemonsets', '--timeout=10s'], { timeoutMs: 60_000 });
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stderr + blocked.stdout, /Cannot evict pod as it would violate the pod's disruption budget/);
    assert.equal((await c.k(['-n', 'pdb-e2e', 'get', 'pods', '-l', 'app=web', '--no-headers'])).trim().split('\n').length, 2);

    await c.k(['-n', 'pdb-e2e', 'patch', 'pdb', 'web-pdb', '--type=merge', '-p', '{"spec":{"minAvailable":1}}']);
    await until('one disruption allowed', 15_000, async () => (await json(['-n', 'pdb-e2e', 'get', 'pdb', 'web-pdb'])).status?.disruptionsAllowed === 1);
    // The replacements cannot be scheduled (hollow-0 is cordoned), so the budget allows one eviction at a time:
    // the first goes, and the second once the budget is deleted while drain retries.
    const drain = c.kubectl(['drain', 'hollow-0', '--ignore-daemonsets', '--timeout=60s'], { timeoutMs: 90_000 });
    await until('one pod evicted', 20_000, async () => {
      const pdb = await json(['-n', 'pdb-e2e', 'get', 'pdb', 'web-pdb']);
      return pdb.status?.disruptionsAllowed === 0 && pdb.status.currentHealthy <= 1;
    });
    await c.k(['-n', 'pdb-e2e', 'delete', 'pdb', 'web-pdb']);
    const done = await drain;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /node\/hollow-0 drained/);
  });
});
