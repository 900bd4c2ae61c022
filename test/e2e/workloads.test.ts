// Deployments and ReplicaSets on hollow nodes, driven by the real kubectl:
// self-healing, scaling, rolling updates, rollout status/history/undo/
// restart/pause/resume. The server's scheduler places the pods.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { adminClient } from '../support/http.ts';
import { sleep } from '../support/wait.ts';

describe('workload controllers', { timeout: 240_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess;
  let http: ReturnType<typeof adminClient>;

  before(async () => {
    c = await startCluster();
    http = adminClient(c.kubeconfig);
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '5'], { stdio: 'ignore', env: { ...process.env, K8TS_LOG: 'quiet' } });
    // The server's own scheduler places the pods.
    for (let i = 0; ; i++) {
      const out = await c.k(['get', 'nodes', '--no-headers']);
      if (out.split('\n').filter((l) => /\sReady\s/.test(l)).length === 5) break;
      if (i > 150) throw new Error(`5 hollow nodes were not Ready in 30 s:\n${out}`);
      await sleep(200);
    }
  });
  after(async () => {
    hollow?.kill('SIGTERM');
    http?.close();
    await destroyCluster(c);
  });

  it('brings a Deployment up and reports it available', async () => {
    await c.k(['create', 'deployment', 'web', '--image=registry.local/web:1', '--replicas=3']);
    const out = await c.k(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.match(out, /deployment "web" successfully rolled out/);
    assert.match(await c.k(['get', 'deploy', 'web']), /^web\s+3\/3\s+3\s+3\s+/m);
    const rs = JSON.parse(await c.k(['get', 'rs', '-l', 'app=web', '-o', 'json'])).items;
    assert.equal(rs.length, 1);
    assert.ok(rs[0].metadata.labels['pod-template-hash']);
    assert.equal(rs[0].metadata.annotations['deployment.kubernetes.io/revision'], '1');
    const d = JSON.parse(await c.k(['get', 'deploy', 'web', '-o', 'json']));
    const avail = d.status.conditions.find((x: any) => x.type === 'Available');
    assert.equal(avail.reason, 'MinimumReplicasAvailable');
    const prog = d.status.conditions.find((x: any) => x.type === 'Progressing');
    assert.equal(prog.reason, 'NewReplicaSetAvailable');
  });

  it('replaces a deleted pod (self-healing) and scales', async () => {
    const pods = (await c.k(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n');
    assert.equal(pods.length, 3);
    await c.k(['delete', pods[0], '--wait=true']);
    await c.k(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    const after = (await c.k(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n');
    assert.equal(after.length, 3);
    assert.ok(!after.includes(pods[0]));
    await c.k(['scale', 'deployment/web', '--replicas=5']);
    await c.k(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.equal((await c.k(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length, 5);
    await c.k(['scale', 'deployment/web', '--replicas=2']);
    for (let i = 0; i < 100; i++) {
      if ((await c.k(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length === 2) break;
      await sleep(200);
    }
    assert.equal((await c.k(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length, 2);
  });

  it('rolls out a new image, keeps history, and rolls back', async () => {
    await c.k(['scale', 'deployment/web', '--replicas=4']);
    await c.k(['set', 'image', 'deployment/web', 'web=registry.local/web:2']);
    assert.match(await c.k(['rollout', 'status', 'deployment/web', '--timeout=90s']), /successfully rolled out/);
    const images = await c.k(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[0].image}']);
    for (const img of images.trim().split(' ')) assert.equal(img, 'registry.local/web:2');
    const history = await c.k(['rollout', 'history', 'deployment/web']);
    assert.match(history, /^REVISION\s+CHANGE-CAUSE/m);
    assert.match(history, /^1\s+/m);
    assert.match(history, /^2\s+/m);
    await c.k(['rollout', 'undo', 'deployment/web']);
    await c.k(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    assert.equal((await c.k(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).trim(), 'registry.local/web:1');
    assert.equal((await c.k(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}'])).trim(), '3');
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=web,reason=ScalingReplicaSet', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /Scaled up replica set web-\S+ from \d+ to \d+/);
  });

  it('restarts, pauses and resumes', async () => {
    const before = (await c.k(['get', 'rs', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length;
    await c.k(['rollout', 'restart', 'deployment/web']);
    await c.k(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    assert.equal((await c.k(['get', 'rs', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length, before + 1);
    await c.k(['rollout', 'pause', 'deployment/web']);
    await c.k(['set', 'image', 'deployment/web', 'web=registry.local/web:3']);
    await sleep(1500);
    const paused = JSON.parse(await c.k(['get', 'deploy', 'web', '-o', 'json']));
    assert.equal(paused.status.conditions.find((x: any) => x.type === 'Progressing').reason, 'DeploymentPaused');
    assert.equal((await c.k(['get', 'rs', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length, before + 1, 'no new ReplicaSet while paused');
    await c.k(['rollout', 'resume', 'deployment/web']);
    assert.match(await c.k(['rollout', 'status', 'deployment/web', '--timeout=90s']), /successfully rolled out/);
  });

  it('rolls 10 replicas with maxSurge 2 and maxUnavailable 1 within those bounds at every moment', async () => {
    const yaml = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: roll}
spec:
  replicas: 10
  selector: {matchLabels: {app: roll}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 2, maxUnavailable: 1}}
  template:
    metadata: {labels: {app: roll}}
    spec: {containers: [{name: c, image: ${image}}]}
`;
    await c.k(['apply', '-f', '-'], { input: yaml('registry.local/roll:1') });
    await c.k(['rollout', 'status', 'deployment/roll', '--timeout=90s']);
    // Every pod object of the Deployment that exists and is not terminating,
    // and which of them are available (Ready), as a watcher sees them.
    const live = new Map<string, boolean>();
    let maxPods = 0;
    let minAvailable = Infinity;
    const close = await http.watch('/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Droll', (ev) => {
      const p = ev.object;
      if (ev.type === 'DELETED' || p.metadata.deletionTimestamp) live.delete(p.metadata.name);
      else live.set(p.metadata.name, (p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True'));
      maxPods = Math.max(maxPods, live.size);
      if (live.size >= 10) minAvailable = Math.min(minAvailable, [...live.values()].filter(Boolean).length);
      if (process.env.DEBUG_ROLL) console.error(ev.type, p.metadata.name, p.metadata.deletionTimestamp ? 'terminating' : '', live.get(p.metadata.name), live.size, [...live.values()].filter(Boolean).length);
    });
    try {
      await sleep(500);
      await c.k(['set', 'image', 'deployment/roll', 'c=registry.local/roll:2']);
      assert.match(await c.k(['rollout', 'status', 'deployment/roll', '--timeout=120s']), /successfully rolled out/);
    } finally {
      close();
    }
    assert.ok(maxPods <= 12, `saw ${maxPods} pods at once (maxSurge 2 allows 12)`);
    assert.ok(maxPods > 10, `the watcher never saw the surge (${maxPods} pods at most)`);
    assert.ok(minAvailable >= 9, `saw only ${minAvailable} available (maxUnavailable 1 requires 9)`);
    const images = (await c.k(['get', 'pods', '-l', 'app=roll', '-o', 'jsonpath={.items[*].spec.containers[0].image}'])).trim().split(' ');
    assert.equal(images.length, 10);
    assert.ok(images.every((i) => i === 'registry.local/roll:2'), images.join(' '));
  });

  it('replaces a deleted managed pod within 2 s', async () => {
    const victim = (await c.k(['get', 'pods', '-l', 'app=roll', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    await c.k(['delete', 'pod', victim, '--wait=false']);
    const t0 = Date.now();
    let names: string[] = [];
    while (Date.now() - t0 < 2000) {
      const pods = JSON.parse(await c.k(['get', 'pods', '-l', 'app=roll', '-o', 'json'])).items;
      names = pods.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.metadata.name);
      if (names.length === 10 && !names.includes(victim)) break;
      await sleep(100);
    }
    assert.equal(names.length, 10, `pods after 2 s: ${names.join(' ')}`);
    assert.ok(!names.includes(victim));
  });

  it('deletes a namespace holding 100 objects, then the namespace', async () => {
    const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: {name: crowded}`];
    for (let i = 0; i < 60; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}, namespace: crowded}\ndata: {i: "${i}"}`);
    for (let i = 0; i < 30; i++) docs.push(`apiVersion: v1\nkind: Secret\nmetadata: {name: s-${i}, namespace: crowded}\nstringData: {i: "${i}"}`);
    for (let i = 0; i < 10; i++) docs.push(`apiVersion: v1\nkind: Service\nmetadata: {name: svc-${i}, namespace: crowded}\nspec: {ports: [{port: 80}]}`);
    await c.k(['apply', '-f', '-'], { input: docs.join('\n---\n') });
    assert.equal((await c.k(['get', 'cm,secret,svc', '-n', 'crowded', '-o', 'name'])).trim().split('\n').filter((l) => !l.includes('kube-root-ca')).length, 100);
    await c.k(['delete', 'namespace', 'crowded', '--timeout=60s']);
    const r = await c.kubectl(['get', 'namespace', 'crowded']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /namespaces "crowded" not found/);
  });
});
