// The core controllers (ServiceAccount, root CA publisher, Endpoints,
// EndpointSlice and its mirroring, node lifecycle, taint eviction, node IPAM,
// pod GC) against a real server and hollow nodes, checked with the real
// kubectl. The server's controller manager runs them, given short node grace
// periods so that a node going silent is noticed within seconds, and a pod GC
// that runs every second, keeps one terminated pod and waits 3 s for a
// missing node.
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

describe('core controllers', { timeout: 120_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess;
  const json = async (args: string[]) => JSON.parse(await c.k([...args, '-o', 'json']));

  before(async () => {
    // Hollow nodes renew their Lease every 10 s: the grace period must outlast that.
    const cm = ['node-monitor-period=1s', 'node-monitor-grace-period=14s', 'terminated-pod-gc-threshold=1', 'pod-gc-period=1s', 'pod-gc-quarantine=3s'];
    c = await startCluster({ extraArgs: cm.flatMap((a) => ['--kube-controller-manager-arg', a]) });
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

  it('leaves the Endpoints of a selector-less Service alone, mirrors them into a slice, and cleans up after a deleted Service', async () => {
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
    // The mirroring controller copies the hand-written Endpoints into a slice it owns through the Endpoints.
    const mirrored = await until('a mirrored slice of external', 10_000, async () => {
      const items = (await json(['-n', 'core-e2e', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=external'])).items;
      return items.length === 1 && items[0];
    });
    const epUid = (await c.k(['-n', 'core-e2e', 'get', 'endpoints', 'external', '-o', 'jsonpath={.metadata.uid}'])).trim();
    assert.equal(mirrored.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(mirrored.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Endpoints', name: 'external', uid: epUid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(mirrored.addressType, 'IPv4');
    assert.deepEqual(mirrored.endpoints, [{ addresses: ['192.0.2.10'], conditions: { ready: true } }]);
    assert.deepEqual(mirrored.ports, [{ name: '', port: 5432, protocol: 'TCP' }]);

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

  it('publishes the cluster CA as kube-root-ca.crt in every namespace, and restores it', async () => {
    const ca = Buffer.from((await c.k(['config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}'])).trim(), 'base64').toString('utf8');
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    await c.k(['create', 'namespace', 'ca-e2e']);
    const cm = await until('kube-root-ca.crt in ca-e2e', 10_000, async () => {
      const r = await c.kubectl(['-n', 'ca-e2e', 'get', 'configmap', 'kube-root-ca.crt', '-o', 'json']);
      return r.code === 0 && JSON.parse(r.stdout);
    });
    assert.deepEqual(cm.data, { 'ca.crt': ca });
    assert.match(cm.metadata.annotations['kubernetes.io/description'], /^Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints/);
    const caOf = async () => (await c.kubectl(['-n', 'ca-e2e', 'get', 'configmap', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}'])).stdout;
    await c.k(['-n', 'ca-e2e', 'patch', 'configmap', 'kube-root-ca.crt', '--type=merge', '-p', '{"data":{"ca.crt":"tampered","extra":"x"}}']);
    await until('the edited ConfigMap restored', 10_000, async () => {
      const d = (await json(['-n', 'ca-e2e', 'get', 'configmap', 'kube-root-ca.crt'])).data;
      return d['ca.crt'] === ca && d.extra === undefined;
    });
    await c.k(['-n', 'ca-e2e', 'delete', 'configmap', 'kube-root-ca.crt']);
    await until('the deleted ConfigMap recreated', 10_000, async () => (await caOf()) === ca);
    assert.equal(await caOf(), ca);
    await c.k(['delete', 'namespace', 'ca-e2e', '--wait=false']);
  });

  it('follows a hand-written Endpoints with its mirrored slice, and stops on skip-mirror', async () => {
    const slicesOf = async () => (await json(['-n', 'core-e2e', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=external'])).items;
    await c.k(['-n', 'core-e2e', 'apply', '-f', '-'], { input: `
apiVersion: v1
kind: Endpoints
metadata: { name: external, namespace: core-e2e, labels: { tier: db } }
subsets:
- addresses: [{ ip: 192.0.2.10 }, { ip: 192.0.2.11 }]
  notReadyAddresses: [{ ip: 192.0.2.12 }]
  ports: [{ name: pg, port: 5432 }]
` });
    const s = await until('the slice updated', 10_000, async () => {
      const items = await slicesOf();
      return items.length === 1 && items[0].endpoints?.length === 3 && items[0];
    });
    assert.deepEqual(s.endpoints.map((e: any) => `${e.addresses[0]} ${e.conditions.ready}`).sort(), ['192.0.2.10 true', '192.0.2.11 true', '192.0.2.12 false']);
    assert.deepEqual(s.ports, [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
    assert.equal(s.metadata.labels.tier, 'db');
    await c.k(['-n', 'core-e2e', 'label', 'endpoints', 'external', 'endpointslice.kubernetes.io/skip-mirror=true']);
    await until('the mirrored slice removed', 10_000, async () => (await slicesOf()).length === 0);
  });

  it('garbage-collects terminated pods beyond the threshold, oldest first', async () => {
    const failing = (name: string) => JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'core-e2e', annotations: { 'hollow.k8ts.io/exit-code': '1', 'hollow.k8ts.io/run-seconds': '0' } },
      spec: { nodeName: 'hollow-0', restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.local/x:1' }] },
    });
    const phase = async (name: string) => {
      const r = await c.kubectl(['-n', 'core-e2e', 'get', 'pod', name, '-o', 'jsonpath={.status.phase}']);
      return r.code === 0 ? r.stdout.trim() : 'gone';
    };
    await c.k(['create', '-f', '-'], { input: failing('gc-a') });
    await until('gc-a Failed', 10_000, async () => (await phase('gc-a')) === 'Failed');
    await sleep(2500);
    assert.equal(await phase('gc-a'), 'Failed', 'one terminated pod is within the threshold');
    await c.k(['create', '-f', '-'], { input: failing('gc-b') });
    await until('gc-a collected once gc-b failed', 10_000, async () => (await phase('gc-a')) === 'gone');
    assert.equal(await phase('gc-b'), 'Failed');
    await c.k(['-n', 'core-e2e', 'delete', 'pod', 'gc-b']);
  });

  it('force-deletes a pod bound to a node that does not exist, after the quarantine', async () => {
    await c.k(['create', '-f', '-'], { input: JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'core-e2e' },
      spec: { nodeName: 'no-such-node', containers: [{ name: 'c', image: 'registry.local/x:1' }] },
    }) });
    const created = Date.now();
    assert.equal((await c.kubectl(['-n', 'core-e2e', 'get', 'pod', 'stray'])).code, 0);
    await until('the stray pod deleted', 15_000, async () => (await c.kubectl(['-n', 'core-e2e', 'get', 'pod', 'stray'])).code !== 0);
    assert.ok(Date.now() - created >= 2500, 'not before the quarantine');
  });

  it('keeps the pod CIDRs nodes bring, and gives a node without one the next free range', async () => {
    const nodes = (await json(['get', 'nodes', '-l', 'type=hollow'])).items;
    assert.equal(nodes.length, 3);
    for (const n of nodes) {
      const i = Number(n.metadata.name.split('-')[1]);
      assert.deepEqual([n.spec.podCIDR, n.spec.podCIDRs], [`10.64.${i}.0/24`, [`10.64.${i}.0/24`]], n.metadata.name);
    }
    const node = (name: string, podCIDR?: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { unschedulable: true, ...(podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {}) } });
    await c.k(['create', '-f', '-'], { input: node('ipam-preset', '10.42.0.0/24') });
    await c.k(['create', '-f', '-'], { input: node('ipam-bare') });
    const got = await until('ipam-bare given a range', 10_000, async () => (await json(['get', 'node', 'ipam-bare'])).spec.podCIDRs);
    assert.deepEqual(got, ['10.42.1.0/24'], 'the next free one, not the range ipam-preset carries');
    assert.equal((await c.k(['get', 'node', 'ipam-bare', '-o', 'jsonpath={.spec.podCIDR}'])).trim(), '10.42.1.0/24');
    assert.equal((await c.k(['get', 'node', 'ipam-preset', '-o', 'jsonpath={.spec.podCIDR}'])).trim(), '10.42.0.0/24');
    await c.k(['delete', 'node', 'ipam-preset', 'ipam-bare']);
  });
});
