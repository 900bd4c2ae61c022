// The real kubectl against `k8ts server`: apply (client- and server-side),
// get in every output form, describe, edit, patch, label, annotate, scale,
// set image, create, run, expose, diff.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, destroyCluster, writeTemp } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';

const APP = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
  namespace: shop
data:
  mode: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: shop-secret
  namespace: shop
stringData:
  password: hunter2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.local/web:1.0
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
`;

for (const binary of ['kubectl', 'kubectl.1.30']) {
  describe(`kubectl CRUD (${binary})`, { timeout: 180_000 }, () => {
    let c: TestCluster;
    const k = (args: string[], input?: string) => c.k(args, { binary, input });
    const kr = (args: string[], input?: string) => c.kubectl(args, { binary, input });

    before(async () => { c = await startCluster(); });
    after(async () => { await destroyCluster(c); });

    it('applies a multi-document file, then a changed one (three-way merge)', async () => {
      const file = writeTemp('app.yaml', APP);
      const out = await k(['apply', '-f', file]);
      assert.match(out, /namespace\/shop created/);
      assert.match(out, /configmap\/shop-config created/);
      assert.match(out, /secret\/shop-secret created/);
      assert.match(out, /deployment.apps\/web created/);
      assert.match(out, /service\/web created/);
      const again = await k(['apply', '-f', file]);
      assert.match(again, /deployment.apps\/web unchanged/);
      // A field set by someone else survives a re-apply that does not mention it.
      await k(['-n', 'shop', 'label', 'deployment', 'web', 'team=checkout']);
      const changed = writeTemp('app2.yaml', APP.replace('replicas: 2', 'replicas: 3').replace('mode: blue', 'mode: green'));
      const out2 = await k(['apply', '-f', changed]);
      assert.match(out2, /deployment.apps\/web configured/);
      assert.match(out2, /configmap\/shop-config configured/);
      const dep = JSON.parse(await k(['-n', 'shop', 'get', 'deployment', 'web', '-o', 'json']));
      assert.equal(dep.spec.replicas, 3);
      assert.equal(dep.metadata.labels.team, 'checkout');
      assert.equal(dep.metadata.generation, 2);
      assert.equal(dep.spec.strategy.type, 'RollingUpdate');
      assert.equal(dep.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
      const svc = JSON.parse(await k(['-n', 'shop', 'get', 'svc', 'web', '-o', 'json']));
      assert.match(svc.spec.clusterIP, /^10\.43\.\d+\.\d+$/);
      assert.equal(svc.spec.type, 'ClusterIP');
    });

    it('server-side apply owns fields and reports conflicts', async () => {
      const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: shop\ndata:\n  a: "1"\n';
      const f = writeTemp('ssa.yaml', cm);
      assert.match(await k(['apply', '--server-side', '-f', f]), /configmap\/ssa serverside-applied/);
      await k(['-n', 'shop', 'patch', 'configmap', 'ssa', '--type', 'merge', '-p', '{"data":{"a":"2"}}']);
      const conflict = await kr(['apply', '--server-side', '-f', f]);
      assert.notEqual(conflict.code, 0);
      assert.match(conflict.stderr, /conflict/i);
      assert.match(conflict.stderr, /\.data\.a/);
      assert.match(await k(['apply', '--server-side', '--force-conflicts', '-f', f]), /serverside-applied/);
      assert.equal((await k(['-n', 'shop', 'get', 'cm', 'ssa', '-o', 'jsonpath={.data.a}'])).trim(), '1');
    });

    it('diff shows a pending change and exits 1', async () => {
      const changed = writeTemp('app3.yaml', APP.replace('replicas: 2', 'replicas: 5'));
      const r = await kr(['diff', '-f', changed]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /-\s+replicas: 3/);
      assert.match(r.stdout, /\+\s+replicas: 5/);
    });

    it('gets in every output form', async () => {
      const wide = await k(['-n', 'shop', 'get', 'deployments', '-o', 'wide']);
      assert.match(wide, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/m);
      assert.match(wide, /^web\s+0\/3\s+3\s+0\s+\S+\s+web\s+registry.local\/web:1.0\s+app=web/m);
      const yaml = await k(['-n', 'shop', 'get', 'cm', 'shop-config', '-o', 'yaml']);
      assert.match(yaml, /mode: green/);
      assert.equal((await k(['-n', 'shop', 'get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].targetPort}'])).trim(), '8080');
      const cc = await k(['-n', 'shop', 'get', 'cm', '-o', 'custom-columns=NAME:.metadata.name,MODE:.data.mode']);
      assert.match(cc, /shop-config\s+green/);
      assert.match(await k(['-n', 'shop', 'get', 'svc', '-o', 'name']), /^service\/web$/m);
      const labelled = await k(['get', 'deploy', '-A', '-l', 'app=web', '-o', 'name']);
      assert.equal(labelled.trim(), 'deployment.apps/web');
      const byField = await k(['get', 'ns', '--field-selector', 'metadata.name=shop', '-o', 'name']);
      assert.equal(byField.trim(), 'namespace/shop');
      await k(['-n', 'shop', 'create', 'configmap', 'aaa', '--from-literal=x=1']);
      const sorted = await k(['-n', 'shop', 'get', 'cm', '--sort-by', '.metadata.name', '-o', 'name']);
      assert.deepEqual(sorted.trim().split('\n').filter((l) => !l.includes('kube-root-ca')), ['configmap/aaa', 'configmap/shop-config', 'configmap/ssa']);
      const all = await k(['get', 'namespaces']);
      assert.match(all, /^NAME\s+STATUS\s+AGE/m);
      for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'shop']) assert.match(all, new RegExp(`^${ns}\\s+Active`, 'm'));
    });

    it('describes an object with its events', async () => {
      const uid = (await k(['-n', 'shop', 'get', 'deploy', 'web', '-o', 'jsonpath={.metadata.uid}'])).trim();
      await k(['-n', 'shop', 'create', '-f', '-'], JSON.stringify({
        apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'shop' },
        involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid },
        reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-123 to 3', type: 'Normal', count: 1,
        firstTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'), lastTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
        source: { component: 'deployment-controller' },
      }));
      const out = await k(['-n', 'shop', 'describe', 'deployment', 'web']);
      assert.match(out, /^Name:\s+web$/m);
      assert.match(out, /^Replicas:\s+3 desired/m);
      assert.match(out, /ScalingReplicaSet\s+.*Scaled up replica set web-123 to 3/);
    });

    it('edits through a scripted editor', async () => {
      const editor = writeTemp('editor.sh', '#!/bin/sh\nsed -i "s/mode: green/mode: edited/" "$1"\n');
      await import('node:fs').then((fs) => fs.chmodSync(editor, 0o755));
      const r = await c.kubectl(['-n', 'shop', 'edit', 'cm', 'shop-config'], { binary, env: { KUBE_EDITOR: editor } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /configmap\/shop-config edited/);
      assert.equal((await k(['-n', 'shop', 'get', 'cm', 'shop-config', '-o', 'jsonpath={.data.mode}'])).trim(), 'edited');
    });

    it('patches with json, merge and strategic patches', async () => {
      await k(['-n', 'shop', 'patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]']);
      await k(['-n', 'shop', 'patch', 'deploy', 'web', '--type', 'merge', '-p', '{"metadata":{"annotations":{"note":"merged"}}}']);
      await k(['-n', 'shop', 'patch', 'deploy', 'web', '--type', 'strategic', '-p',
        '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"registry.local/side:1"}]}}}}']);
      const dep = JSON.parse(await k(['-n', 'shop', 'get', 'deploy', 'web', '-o', 'json']));
      assert.equal(dep.spec.replicas, 4);
      assert.equal(dep.metadata.annotations.note, 'merged');
      assert.deepEqual(dep.spec.template.spec.containers.map((x: any) => x.name).sort(), ['sidecar', 'web']);
      const bad = await kr(['-n', 'shop', 'patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"remove","path":"/spec/nope"}]']);
      assert.notEqual(bad.code, 0);
    });

    it('labels, annotates, scales and sets images', async () => {
      assert.match(await k(['-n', 'shop', 'label', 'svc', 'web', 'tier=front']), /service\/web labeled/);
      assert.match(await k(['-n', 'shop', 'annotate', 'svc', 'web', 'owner=me']), /service\/web annotated/);
      assert.match(await k(['-n', 'shop', 'scale', 'deploy', 'web', '--replicas=6']), /deployment.apps\/web scaled/);
      assert.match(await k(['-n', 'shop', 'set', 'image', 'deploy/web', 'web=registry.local/web:2.0']), /image updated/);
      const dep = JSON.parse(await k(['-n', 'shop', 'get', 'deploy', 'web', '-o', 'json']));
      assert.equal(dep.spec.replicas, 6);
      assert.equal(dep.spec.template.spec.containers.find((x: any) => x.name === 'web').image, 'registry.local/web:2.0');
      const svc = JSON.parse(await k(['-n', 'shop', 'get', 'svc', 'web', '-o', 'json']));
      assert.equal(svc.metadata.labels.tier, 'front');
      assert.equal(svc.metadata.annotations.owner, 'me');
    });

    it('creates with generators, run and expose', async () => {
      await k(['create', 'namespace', 'gen']);
      await k(['-n', 'gen', 'create', 'configmap', 'c1', '--from-literal=a=b']);
      await k(['-n', 'gen', 'create', 'secret', 'generic', 's1', '--from-literal=p=q']);
      await k(['-n', 'gen', 'create', 'deployment', 'd1', '--image=registry.local/x:1', '--replicas=2']);
      await k(['-n', 'gen', 'create', 'service', 'clusterip', 'svc1', '--tcp=80:8080']);
      await k(['-n', 'gen', 'create', 'job', 'j1', '--image=registry.local/x:1']);
      await k(['-n', 'gen', 'run', 'p1', '--image=registry.local/x:1', '--labels=app=p1']);
      await k(['-n', 'gen', 'expose', 'deployment', 'd1', '--port=80', '--target-port=8080', '--type=NodePort']);
      const names = await k(['-n', 'gen', 'get', 'cm,secret,deploy,svc,job,pod', '-o', 'name']);
      for (const n of ['configmap/c1', 'secret/s1', 'deployment.apps/d1', 'service/svc1', 'job.batch/j1', 'pod/p1', 'service/d1']) {
        assert.ok(names.includes(n), `${n} in ${names}`);
      }
      const np = JSON.parse(await k(['-n', 'gen', 'get', 'svc', 'd1', '-o', 'json']));
      assert.ok(np.spec.ports[0].nodePort >= 30000 && np.spec.ports[0].nodePort <= 32767);
      const pods = await k(['-n', 'gen', 'get', 'pods']);
      assert.match(pods, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/m);
      assert.match(pods, /^p1\s+0\/1\s+Pending\s+0\s+/m);
    });
  });
}
