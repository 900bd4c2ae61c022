// The real kubectl against `k8ts server`: delete (cascade, grace period,
// wait), wait, watch, explain, discovery commands and identity.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startCluster, destroyCluster, KUBECTL_ENV } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';

// kubectl colours cluster-info; the escape character itself is built, not written.
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const POD = (name: string, node?: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
  spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'c', image: 'registry.local/x:1' }] },
});

for (const binary of ['kubectl', 'kubectl.1.30']) {
  describe(`kubectl lifecycle (${binary})`, { timeout: 180_000 }, () => {
    let c: TestCluster;
    const k = (args: string[], input?: string) => c.k(args, { binary, input });
    const kr = (args: string[], input?: string) => c.kubectl(args, { binary, input });

    before(async () => { c = await startCluster(); });
    after(async () => { await destroyCluster(c); });

    it('answers version, api-resources, api-versions, cluster-info', async () => {
      const v = JSON.parse(await k(['version', '-o', 'json']));
      assert.equal(v.serverVersion.major, '1');
      assert.equal(v.serverVersion.minor, '33');
      const res = await k(['api-resources']);
      assert.match(res, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND/m);
      assert.match(res, /^pods\s+po\s+v1\s+true\s+Pod$/m);
      assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      assert.match(res, /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m);
      const versions = await k(['api-versions']);
      for (const gv of ['v1', 'apps/v1', 'batch/v1', 'autoscaling/v1', 'autoscaling/v2', 'rbac.authorization.k8s.io/v1', 'discovery.k8s.io/v1']) {
        assert.match(versions, new RegExp(`^${gv.replace('/', '\\/')}$`, 'm'));
      }
      assert.match((await k(['cluster-info'])).replace(ANSI_COLOUR, ''), /Kubernetes control plane.* is running at https:\/\/127\.0\.0\.1:\d+/);
    });

    it('knows who the admin is and what it may do', async () => {
      const who = await k(['auth', 'whoami']);
      assert.match(who, /Username\s+system:admin/);
      assert.match(who, /Groups\s+\[system:masters system:authenticated\]/);
      assert.equal((await k(['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
      assert.equal((await k(['auth', 'can-i', '--list'])).includes('*.*'), true);
    });

    it('explains fields from the OpenAPI schema', async () => {
      const out = await k(['explain', 'deployment.spec.strategy']);
      assert.match(out, /KIND:\s+Deployment/);
      assert.match(out, /FIELD:\s+strategy/);
      assert.match(out, /rollingUpdate/);
    });

    it('deletes with cascade policies and grace periods', async () => {
      await k(['create', 'configmap', 'gone']);
      assert.match(await k(['delete', 'configmap', 'gone']), /configmap "gone" deleted/);
      assert.notEqual((await kr(['get', 'configmap', 'gone'])).code, 0);

      await k(['create', 'configmap', 'orphaned']);
      await k(['delete', 'configmap', 'orphaned', '--cascade=orphan']);
      assert.notEqual((await kr(['get', 'configmap', 'orphaned'])).code, 0);

      // A pod on a node waits for its kubelet for the grace period; --grace-period=0 --force does not.
      await k(['create', '-f', '-'], POD('bound', 'node-a'));
      const r = await kr(['delete', 'pod', 'bound', '--wait=false', '--grace-period=30']);
      assert.equal(r.code, 0, r.stderr);
      const pod = JSON.parse(await k(['get', 'pod', 'bound', '-o', 'json']));
      assert.ok(pod.metadata.deletionTimestamp);
      assert.equal(pod.metadata.deletionGracePeriodSeconds, 30);
      assert.match(await k(['get', 'pod', 'bound']), /Terminating/);
      await k(['delete', 'pod', 'bound', '--grace-period=0', '--force']);
      assert.notEqual((await kr(['get', 'pod', 'bound'])).code, 0);

      // An unscheduled pod goes at once, and --wait returns when it is gone.
      await k(['create', '-f', '-'], POD('loose'));
      assert.match(await k(['delete', 'pod', 'loose', '--wait=true', '--timeout=20s']), /pod "loose" deleted/);
    });

    it('keeps an object with a finalizer until the finalizer is removed', async () => {
      await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } }));
      await k(['delete', 'cm', 'held', '--wait=false']);
      const held = JSON.parse(await k(['get', 'cm', 'held', '-o', 'json']));
      assert.ok(held.metadata.deletionTimestamp);
      const waiter = kr(['wait', '--for=delete', 'cm/held', '--timeout=30s']);
      await k(['patch', 'cm', 'held', '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
      const w = await waiter;
      assert.equal(w.code, 0, w.stderr);
    });

    it('cascades deletes through the garbage collector: foreground, background, orphan', async () => {
      const owned = async (owner: string) => {
        const uid = (await k(['get', 'deployment', owner, '-o', 'jsonpath={.metadata.uid}'])).trim();
        await k(['create', '-f', '-'], JSON.stringify({
          apiVersion: 'v1', kind: 'ConfigMap',
          metadata: { name: `${owner}-child`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid, controller: true, blockOwnerDeletion: true }] },
        }));
      };
      for (const name of ['fg', 'bg', 'or']) {
        await k(['create', 'deployment', name, '--image=registry.local/x:1']);
        await owned(name);
      }
      // Foreground: the owner carries the finalizer until its dependent is gone, then goes too.
      await k(['delete', 'deployment', 'fg', '--cascade=foreground', '--wait=false']);
      const dep = await kr(['get', 'deployment', 'fg', '-o', 'json']);
      if (dep.code === 0) assert.ok(JSON.parse(dep.stdout).metadata.deletionTimestamp);
      await k(['wait', '--for=delete', 'deployment/fg', 'configmap/fg-child', '--timeout=30s']);
      // Background: the owner goes at once, the dependent shortly after.
      await k(['delete', 'deployment', 'bg', '--cascade=background']);
      await k(['wait', '--for=delete', 'configmap/bg-child', '--timeout=30s']);
      // Orphan: the dependent stays, without its owner reference.
      await k(['delete', 'deployment', 'or', '--cascade=orphan']);
      const child = JSON.parse(await k(['get', 'configmap', 'or-child', '-o', 'json']));
      assert.equal(child.metadata.ownerReferences, undefined);
    });

    it('deletes a namespace with everything in it', async () => {
      await k(['create', 'namespace', 'doomed']);
      await k(['-n', 'doomed', 'create', 'configmap', 'a']);
      await k(['-n', 'doomed', 'create', 'deployment', 'd', '--image=registry.local/x:1']);
      assert.match(await k(['delete', 'namespace', 'doomed', '--timeout=60s']), /namespace "doomed" deleted/);
      assert.notEqual((await kr(['get', 'namespace', 'doomed'])).code, 0);
      const create = await kr(['-n', 'kube-system', 'delete', 'namespace', 'kube-system', '--wait=false']);
      assert.notEqual(create.code, 0);
      assert.match(create.stderr, /forbidden/);
    });

    it('waits for a condition', async () => {
      await k(['create', '-f', '-'], POD('ready', 'node-a'));
      const waiter = kr(['wait', '--for=condition=Ready', 'pod/ready', '--timeout=30s']);
      await new Promise((r) => setTimeout(r, 500));
      await k(['patch', 'pod', 'ready', '--subresource=status', '--type=merge', '-p',
        JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } })]);
      const w = await waiter;
      assert.equal(w.code, 0, w.stderr);
      assert.match(w.stdout, /pod\/ready condition met/);
    });

    it('streams changes to get --watch', async () => {
      const child = spawn(binary, ['--kubeconfig', c.kubeconfig, 'get', 'configmaps', '--watch', '-o', 'name'], { stdio: ['ignore', 'pipe', 'pipe'], env: KUBECTL_ENV });
      let seen = '';
      child.stdout.on('data', (d) => { seen += d; });
      try {
        await new Promise((r) => setTimeout(r, 1000));
        const t0 = Date.now();
        await k(['create', 'configmap', 'watched']);
        while (!seen.includes('configmap/watched') && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
        assert.ok(seen.includes('configmap/watched'), `watch output: ${seen}`);
      } finally {
        child.kill();
      }
    });
  });
}
