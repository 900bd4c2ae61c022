// The metrics API and the HorizontalPodAutoscaler on hollow nodes, driven
// by the real kubectl: `kubectl top` shows the usage the pods' annotations
// simulate; `kubectl autoscale` scales a Deployment up when its CPU goes
// above target, and back down only once the downscale stabilization window
// has passed (the controllers' clock is moved instead of waiting 5 min).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, writeTemp, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { sleep, until } from '../support/wait.ts';
import { parse as parseYaml } from 'yaml';

const WEB = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata:
      labels: { app: web }
      annotations: { hollow.k8ts.io/cpu-usage: 20m, hollow.k8ts.io/memory-usage: 32Mi }
    spec:
      containers:
      - name: web
        image: registry.local/web:1
        resources: { requests: { cpu: 100m, memory: 64Mi } }
`;

const LONE = `
apiVersion: v1
kind: Pod
metadata:
  name: lone
  namespace: other
  annotations: { hollow.k8ts.io/cpu-usage: 250m, hollow.k8ts.io/memory-usage: 40Mi }
spec:
  containers:
  - { name: a, image: registry.local/web:1 }
  - { name: b, image: registry.local/web:1 }
`;

// Targets a Deployment that does not exist: only the conversion is under test here.
const MEMORY_HPA = `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: mem }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: nosuch }
  minReplicas: 1
  maxReplicas: 4
  metrics:
  - { type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 60 } } }
  - { type: Resource, resource: { name: memory, target: { type: AverageValue, averageValue: 1Gi } } }
  behavior:
    scaleDown: { stabilizationWindowSeconds: 60 }
`;

/** Rows of a kubectl table, split on runs of spaces, without the header. */
function rows(out: string): string[][] {
  return out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
}

function milli(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000;
}

describe('metrics API, kubectl top and the HorizontalPodAutoscaler', { timeout: 150_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess;

  before(async () => {
    c = await startCluster({ clock: true, extraArgs: ['--kube-controller-manager-arg', 'horizontal-pod-autoscaler-sync-period=2s'] });
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '3'], { stdio: 'ignore', env: { ...process.env, K8TS_LOG: 'quiet' } });
    await until('3 Ready hollow nodes', 30_000, async () => {
      const out = await c.k(['get', 'nodes', '--no-headers']);
      return out.split('\n').filter((l) => /\sReady\s/.test(l)).length === 3;
    });
    await c.k(['apply', '-f', '-'], { input: WEB });
    await c.k(['apply', '-f', '-'], { input: WEB.replace(/web/g, 'api') });
    await c.k(['create', 'namespace', 'other']);
    await c.k(['apply', '-f', '-'], { input: LONE });
    await c.k(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    await c.k(['wait', '-n', 'other', '--for=condition=Ready', 'pod/lone', '--timeout=60s']);
  });
  after(async () => {
    hollow?.kill('SIGTERM');
    await destroyCluster(c);
  });

  it('lists metrics.k8s.io in discovery', async () => {
    const out = await c.k(['api-resources', '--api-group=metrics.k8s.io']);
    assert.match(out, /^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics$/m);
    assert.match(out, /^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics$/m);
  });

  it('kubectl top pods shows the simulated usage, per container and across namespaces', async () => {
    const web = await until('web in kubectl top pods', 20_000, async () => {
      const r = rows(await c.k(['top', 'pods', '-l', 'app=web']));
      return r.length === 1 ? r[0] : undefined;
    });
    assert.match(web[0], /^web-/);
    assert.deepEqual(web.slice(1), ['20m', '32Mi']);

    const all = rows(await c.k(['top', 'pods', '-A']));
    assert.deepEqual(all.find((r) => r[1] === 'lone'), ['other', 'lone', '500m', '80Mi']);
    assert.ok(all.some((r) => r[0] === 'default' && r[1].startsWith('web-')));

    const containers = rows(await c.k(['top', 'pods', '-n', 'other', '--containers']));
    assert.deepEqual(containers, [['lone', 'a', '250m', '40Mi'], ['lone', 'b', '250m', '40Mi']]);

    assert.deepEqual(rows(await c.k(['get', 'podmetrics', '-n', 'other'])), [['lone', '500m', '80Mi', '10s']]);

    const missing = await c.kubectl(['top', 'pod', 'nosuch']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /podmetrics\.metrics\.k8s\.io "default\/nosuch" not found/);
  });

  it('kubectl top nodes shows each node as the sum of its pods', async () => {
    const pods = JSON.parse(await c.k(['get', 'pods', '-A', '-o', 'json'])).items;
    const expected = new Map<string, number>();
    for (const p of pods) {
      const each = milli(p.metadata.annotations?.['hollow.k8ts.io/cpu-usage'] ?? '10m');
      expected.set(p.spec.nodeName, (expected.get(p.spec.nodeName) ?? 0) + each * p.spec.containers.length);
    }
    const nodes = rows(await c.k(['top', 'nodes']));
    assert.equal(nodes.length, 3);
    for (const [name, cpu] of nodes) assert.equal(milli(cpu), expected.get(name) ?? 0, `node ${name}`);
    assert.match(await c.k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/hollow-0']), /"kind":"NodeMetrics"/);
  });

  it('kubectl autoscale scales up above target and down after the stabilization window', async () => {
    assert.match(await c.k(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5']), /horizontalpodautoscaler.autoscaling\/web autoscaled/);
    const hpa = () => c.k(['get', 'hpa', 'web', '-o', 'json']).then((o) => JSON.parse(o));
    const cond = (h: any, type: string) => h.status?.conditions?.find((x: any) => x.type === type);
    // The pod's first sample counts once a full window passed since it became ready (CPU initialization).
    let h = await until('a valid cpu metric', 40_000, async () => {
      const x = await hpa();
      return cond(x, 'ScalingActive')?.status === 'True' ? x : undefined;
    });
    assert.equal(cond(h, 'ScalingActive').reason, 'ValidMetricFound');
    assert.equal(cond(h, 'ScalingActive').message, 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)');
    assert.equal(h.status.currentMetrics[0].resource.current.averageUtilization, 20);
    assert.equal(h.status.desiredReplicas, 1);
    assert.match(await c.k(['get', 'hpa']), /^web\s/m);

    await c.k(['annotate', 'pods', '-l', 'app=web', '--overwrite', 'hollow.k8ts.io/cpu-usage=120m']);
    // 120% of request against a 50% target: ceil(1 × 2.4) = 3.
    await until('the Deployment scaled to 3', 30_000, async () => JSON.parse(await c.k(['get', 'deploy', 'web', '-o', 'json'])).spec.replicas === 3);
    const events = await until('a SuccessfulRescale event', 10_000, async () => {
      const out = await c.k(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}']);
      return out.trim() ? out : undefined;
    });
    assert.equal(events, 'New size: 3; reason: cpu resource utilization (percentage of request) above target');
    h = await hpa();
    assert.ok(h.status.lastScaleTime);
    await c.k(['rollout', 'status', 'deployment/web', '--timeout=60s']);

    await c.k(['annotate', 'pods', '-l', 'app=web', '--overwrite', 'hollow.k8ts.io/cpu-usage=10m']);
    h = await until('the scale-down held back by stabilization', 40_000, async () => {
      const x = await hpa();
      return cond(x, 'AbleToScale')?.reason === 'ScaleDownStabilized' ? x : undefined;
    });
    assert.equal(cond(h, 'AbleToScale').message, 'recent recommendations were higher than current one, applying the highest recent recommendation');
    assert.equal(h.status.currentMetrics[0].resource.current.averageUtilization, 10);
    await sleep(4000); // two more syncs: still held
    assert.equal(JSON.parse(await c.k(['get', 'deploy', 'web', '-o', 'json'])).spec.replicas, 3);
    const described = await c.k(['describe', 'hpa', 'web']);
    assert.match(described, /resource cpu on pods\s+\(as a percentage of request\):\s+10% \(10m\) \/ 50%/);
    assert.match(described, /AbleToScale\s+True\s+ScaleDownStabilized/);
    assert.match(described, /ScalingActive\s+True\s+ValidMetricFound/);

    c.setClockOffset(310);
    await until('the Deployment scaled back to 1', 30_000, async () => JSON.parse(await c.k(['get', 'deploy', 'web', '-o', 'json'])).spec.replicas === 1);
    const down = await c.k(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}']);
    assert.match(down, /New size: 1; reason: All metrics below target/);
    h = await until('status at 1 replica', 10_000, async () => {
      const x = await hpa();
      return x.status.currentReplicas === 1 || x.status.desiredReplicas === 1 ? x : undefined;
    });
    assert.equal(h.status.desiredReplicas, 1);
  });

  it('autoscales an autoscaling/v1 HPA (kubectl 1.30 autoscale) and reports its v1 status', async () => {
    const r = await c.kubectl(['autoscale', 'deployment', 'api', '--cpu-percent=40', '--max=3', '-v=6'], { binary: 'kubectl.1.30' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /POST https:\/\/[^ ]+\/apis\/autoscaling\/v1\/namespaces\/default\/horizontalpodautoscalers/);
    const v1 = await until('the v1 status', 30_000, async () => {
      // The full resource name: kubectl expands the short name `hpa.v1.autoscaling` to the preferred version, v2.
      const x = JSON.parse(await c.k(['get', 'horizontalpodautoscalers.v1.autoscaling', 'api', '-o', 'json']));
      return x.status?.currentCPUUtilizationPercentage !== undefined ? x : undefined;
    });
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 40);
    assert.equal(v1.status.currentCPUUtilizationPercentage, 20);
    assert.equal(v1.status.currentReplicas, 1);
    assert.equal(v1.status.desiredReplicas, 1);
    // The conditions the controller wrote (through v2) travel in upstream's annotation of the v1 object.
    const conditions = JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions']);
    assert.equal(conditions.find((x: any) => x.type === 'ScalingActive')?.reason, 'ValidMetricFound');

    // The same HPA, read as kubectl 1.33 reads it: autoscaling/v2.
    const v2 = parseYaml(await c.k(['get', 'hpa', 'api', '-o', 'yaml']));
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 40 } } }]);
    assert.equal(v2.status.currentMetrics[0].resource.current.averageUtilization, 20);
    assert.equal(v2.metadata.annotations, undefined);
    assert.match(await c.k(['describe', 'hpa', 'api']), /resource cpu on pods\s+\(as a percentage of request\):\s+20% \(20m\) \/ 40%/);
  });

  it('serves a v2 HPA with a memory metric through autoscaling/v1 as upstream, and a v1 write-back keeps it', async () => {
    await c.k(['apply', '-f', '-'], { input: MEMORY_HPA });
    const path = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/mem';
    const v1 = JSON.parse(await c.k(['get', '--raw', path]));
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 60);
    assert.equal(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'], '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"1Gi"}}]');
    assert.match(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior'], /^\{"ScaleUp":\{"StabilizationWindowSeconds":0,"SelectPolicy":"Max",/);

    v1.spec.maxReplicas = 7;
    const file = writeTemp('hpa-v1.json', JSON.stringify(v1));
    await c.k(['replace', '--raw', path, '-f', file]);
    const v2 = JSON.parse(await c.k(['get', 'hpa', 'mem', '-o', 'json']));
    assert.equal(v2.spec.maxReplicas, 7);
    assert.deepEqual(v2.spec.metrics.map((m: any) => m.resource.name), ['memory', 'cpu']);
    assert.equal(v2.spec.behavior.scaleDown.stabilizationWindowSeconds, 60);
    assert.match(await c.k(['get', 'hpa']), /^mem\s/m);
  });
});
