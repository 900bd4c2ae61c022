// The core controllers (ServiceAccount, Endpoints, EndpointSlice, node
// lifecycle, taint eviction) against a real server and hollow nodes, checked
// with the real kubectl. The server's controller manager runs them, given
// short node grace periods so that a node going silent is noticed within
// seconds.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, killGroup, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { sleep, until } from '../support/wait.ts';

const WEB = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: core-e2e }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: registry.local/web:1
        ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: core-e2e, labels: { tier: front } }
spec:
  selector: { app: web }
  ports:
  - { name: http, port: 80, targetPort: http }
  - { name: admin, port: 9090, targetPort: 9091 }
`;

describe('core controllers', { timeout: 90_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess;
  const json = async (args: string[]) => JSON.parse(await c.k([...args, '-o', 'json']));

  before(async () => {
    // Hollow nodes renew their Lease every 10 s: the grace period must outlast that.
    c = await startCluster({ extraArgs: ['--kube-controller-manager-arg', 'node-monitor-period=1s', '--kube-controller-manager-arg', 'node-monitor-grace-period=14s'] });
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '3', '--zones', '3'], { stdio: 'ignore', detached: true, env: { ...process.env, K8TS_LOG: 'quiet' } });
    await until('3 Ready hollow nodes', 30_000, async () => (await c.k(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => /\sReady\s/.test(l)).length === 3);
    await c.k(['create', 'namespace', 'core-e2e']);
  });
  after(async () => {
    if (hollow) killGroup(hollow);
    await destroyCluster(c);
  });

  it('gives every namespace a default ServiceAccount, and recreates it', async () => {
    const uid = await until('the default ServiceAccount', 10_000, async () => (await c.k(['-n', 'core-e2e', 'get', 'sa', 'default', '-o', 'jsonpath={.metadata.uid}'])).trim());
    await c.k(['-n', 'core-e2e', 'delete', 'sa', 'default']);
    const again = await until('a new default ServiceAccount', 10_000, async () => {
      const r = await c.kubectl(['-n', 'core-e2e', 'get', 'sa', 'default', '-o', 'jsonpath={.metadata.uid}']);
      return r.code === 0 && r.stdout.trim() !== uid && r.stdout.trim();
    });
    assert.notEqual(again, uid);
  });

  it('publishes Endpoints and EndpointSlices of a Service and follows its pods', async () => {
    await c.k(['apply', '-f', '-'], { input: WEB });
    const ep = await until('3 ready addresses', 30_000, async () => {
      const e = await json(['-n', 'core-e2e', 'get', 'endpoints', 'web']);
      return e.subsets?.[0]?.addresses?.length === 3 && e;
    });
    assert.equal(ep.subsets.length, 1);
    assert.deepEqual(ep.subsets[0].ports.map((p: any) => [p.name, p.port, p.protocol]).sort(), [['admin', 9091, 'TCP'], ['http', 8080, 'TCP']]);
    const a = ep.subsets[0].addresses[0];
    assert.match(a.ip, /^10\.6\d\.\d+\.\d+$/);
    assert.match(a.nodeName, /^hollow-\d$/);
    assert.equal(a.targetRef.kind, 'Pod');
    assert.match(a.targetRef.name, /^web-/);
    assert.equal(ep.metadata.labels.tier, 'front');
    assert.ok(Date.parse(ep.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']) > 0, JSON.stringify(ep.metadata));
    assert.match(await c.k(['-n', 'core-e2e', 'get', 'endpoints', 'web']), /^web\s+(10\.\S+:(8080|9091),?){2}/m);

    const slices = (await json(['-n', 'core-e2e', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'])).items;
    assert.equal(slices.length, 1);
    const s = slices[0];
    assert.match(s.metadata.name, /^web-[a-z0-9]{5}$/);
    assert.equal(s.metadata.generateName, 'web-');
    assert.equal(s.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(s.metadata.labels.tier, 'front');
    assert.equal(s.addressType, 'IPv4');
    const svcUid = (await c.k(['-n', 'core-e2e', 'get', 'svc', 'web', '-o', 'jsonpath={.metadata.uid}'])).trim();
    assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svcUid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(s.endpoints.length, 3);
    for (const e of s.endpoints) {
      assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
      assert.match(e.zone, /^zone-\d$/);
      assert.match(e.nodeName, /^hollow-\d$/);
    }
    assert.deepEqual(s.ports.map((p: any) => [p.name, p.port]).sort(), [['admin', 9091], ['http', 8080]]);

    await c.k(['-n', 'core-e2e', 'scale', 'deployment/web', '--replicas=1']);
    await until('1 address and 1 endpoint', 30_000, async () => {
      const e = await json(['-n', 'core-e2e', 'get', 'endpoints', 'web']);
      const sl = (await json(['-n', 'core-e2e', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'])).items;
      return e.subsets?.[0]?.addresses?.length === 1 && sl.length === 1 && sl[0].endpoints.length === 1;
    });
  });

  it('leaves the Endpoints of a selector-less Service alone and cleans up after a deleted Service', async () => {
    await c.k(['apply', '-f', '-'], { input: `
apiVersion: v1
kind: Service
metadata: { name: external, namespace: core-e2e }
spec: { ports: [{ port: 5432 }] }
---
apiVersion: v1
kind: Endpoints
metadata: { name: external, namespace: core-e2e }
subsets: [{ addresses: [{ ip: 192.0.2.10 }], ports: [{ port: 5432 }] }]
` });
    await sleep(1500);
    assert.equal((await c.k(['-n', 'core-e2e', 'get', 'endpoints', 'external', '-o', 'jsonpath={.subsets[0].addresses[0].ip}'])).trim(), '192.0.2.10');
    assert.equal((await json(['-n', 'core-e2e', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=external'])).items.length, 0);

    await c.k(['-n', 'core-e2e', 'delete', 'service', 'web']);
    await until('the Endpoints and slices of web gone', 20_000, async () => {
      const r = await c.kubectl(['-n', 'core-e2e', 'get', 'endpoints', 'web']);
      const sl = (await json(['-n', 'core-e2e', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'])).items;
      return r.code !== 0 && /NotFound/.test(r.stderr) && sl.length === 0;
    });
  });

  it('marks a silent node Unknown, taints it, evicts what does not tolerate it, and recovers', async () => {
    const pod = (name: string, tolerations: unknown[]) => JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'core-e2e', labels: { app: 'pinned' } },
      spec: { nodeName: 'hollow-1', tolerations, containers: [{ name: 'c', image: 'registry.local/x:1' }] },
    });
    const unreachable = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' };
    // DefaultTolerationSeconds gives a pod without tolerations 300 s on an
    // unreachable node, so it stays for this test; tolerationSeconds 0 goes at once.
    await c.k(['create', '-f', '-'], { input: pod('defaulted', []) });
    await c.k(['create', '-f', '-'], { input: pod('intolerant', [{ ...unreachable, tolerationSeconds: 0 }]) });
    await c.k(['create', '-f', '-'], { input: pod('patient', [{ ...unreachable, tolerationSeconds: 4 }]) });
    await c.k(['create', '-f', '-'], { input: pod('forever', [unreachable]) });
    await c.k(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Service\nmetadata: { name: pinned, namespace: core-e2e }\nspec: { selector: { app: pinned }, ports: [{ port: 80 }] }\n' });
    await c.k(['-n', 'core-e2e', 'wait', '--for=condition=Ready', 'pod/defaulted', 'pod/intolerant', 'pod/patient', 'pod/forever', '--timeout=20s']);

    // A Deployment with at least one replica on hollow-1, tolerating the
    // unreachable taint for 3 s: its pods there must be replaced elsewhere.
    await c.k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'movers', namespace: 'core-e2e' }, spec: {
      replicas: 3, selector: { matchLabels: { app: 'movers' } },
      template: { metadata: { labels: { app: 'movers' } }, spec: { tolerations: [{ ...unreachable, tolerationSeconds: 3 }], containers: [{ name: 'c', image: 'registry.local/x:1' }] } },
    } }) });
    const moverNodes = async () => (await json(['-n', 'core-e2e', 'get', 'pods', '-l', 'app=movers'])).items
      .filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => ({ name: p.metadata.name, node: p.spec.nodeName, ready: p.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True') }));
    let onFailing: string[] = [];
    for (let replicas = 3; onFailing.length === 0; replicas++) {
      assert.ok(replicas <= 9, 'no movers pod landed on hollow-1');
      await c.k(['-n', 'core-e2e', 'scale', 'deployment/movers', `--replicas=${replicas}`]);
      await c.k(['-n', 'core-e2e', 'rollout', 'status', 'deployment/movers', '--timeout=30s']);
      onFailing = (await moverNodes()).filter((p: any) => p.node === 'hollow-1').map((p: any) => p.name);
    }
    const wanted = (await moverNodes()).length;

    await c.k(['annotate', 'node', 'hollow-1', 'hollow.k8ts.io/heartbeat=stop']);
    const node = await until('hollow-1 Unknown and tainted', 30_000, async () => {
      const n = await json(['get', 'node', 'hollow-1']);
      const keys = (n.spec.taints ?? []).map((t: any) => `${t.key}:${t.effect}`);
      return keys.includes('node.kubernetes.io/unreachable:NoExecute') && keys.includes('node.kubernetes.io/unreachable:NoSchedule') && n;
    });
    const ready = node.status.conditions.find((x: any) => x.type === 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) assert.equal(node.status.conditions.find((x: any) => x.type === t).status, 'Unknown');
    assert.match(await c.k(['get', 'node', 'hollow-1']), /^hollow-1\s+NotReady\s/m);
    assert.match(await c.k(['get', 'events', '--field-selector', 'involvedObject.kind=Node,involvedObject.name=hollow-1,reason=NodeNotReady', '-o', 'jsonpath={.items[*].message}']),
      /Node hollow-1 status is now: NodeNotReady/);
    assert.match(await c.k(['get', 'events', '--field-selector', 'involvedObject.kind=Node,involvedObject.name=hollow-1,reason=RegisteredNode', '-o', 'jsonpath={.items[*].source.component}']),
      /node-controller/);

    await until('intolerant evicted at once', 10_000, async () => (await c.kubectl(['-n', 'core-e2e', 'get', 'pod', 'intolerant'])).code !== 0);
    const forever = await json(['-n', 'core-e2e', 'get', 'pod', 'forever']);
    assert.equal(forever.status.conditions.find((x: any) => x.type === 'Ready').status, 'False');
    const ep = await json(['-n', 'core-e2e', 'get', 'endpoints', 'pinned']);
    assert.ok((ep.subsets?.[0]?.notReadyAddresses ?? []).some((a: any) => a.targetRef.name === 'forever'), JSON.stringify(ep.subsets));
    assert.match(await c.k(['-n', 'core-e2e', 'get', 'events', '--field-selector', 'involvedObject.kind=Pod,involvedObject.name=forever,reason=NodeNotReady', '-o', 'jsonpath={.items[*].type} {.items[*].message}']),
      /Warning Node is not ready/);
    await until('forever not ready in its EndpointSlice', 10_000, async () => {
      const sl = (await json(['-n', 'core-e2e', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=pinned'])).items;
      const e = sl.flatMap((x: any) => x.endpoints ?? []).find((x: any) => x.targetRef.name === 'forever');
      return e && e.conditions.ready === false && e.conditions.serving === false && e.zone === 'zone-1';
    });
    await until('patient evicted after its tolerationSeconds', 15_000, async () => (await c.kubectl(['-n', 'core-e2e', 'get', 'pod', 'patient'])).code !== 0);
    const evictions = await c.k(['-n', 'core-e2e', 'get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].message}']);
    assert.match(evictions, /Marking for deletion Pod core-e2e\/intolerant/);
    assert.match(evictions, /Marking for deletion Pod core-e2e\/patient/);
    assert.equal((await c.kubectl(['-n', 'core-e2e', 'get', 'pod', 'forever'])).code, 0, 'a pod that tolerates forever stays');
    const defaulted = await json(['-n', 'core-e2e', 'get', 'pod', 'defaulted']);
    assert.deepEqual(defaulted.spec.tolerations.map((t: any) => `${t.key}:${t.effect}:${t.tolerationSeconds}`).sort(),
      ['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300']);

    await until('the movers on hollow-1 replaced on other nodes', 30_000, async () => {
      const now = await moverNodes();
      return now.length === wanted && now.every((p: any) => p.node !== 'hollow-1' && p.ready && !onFailing.includes(p.name));
    });

    await c.k(['annotate', 'node', 'hollow-1', 'hollow.k8ts.io/heartbeat-']);
    await until('hollow-1 Ready and untainted', 20_000, async () => {
      const n = await json(['get', 'node', 'hollow-1']);
      const r = n.status.conditions.find((x: any) => x.type === 'Ready');
      return r.status === 'True' && (n.spec.taints ?? []).length === 0;
    });
  });
});
