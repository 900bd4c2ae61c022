// Volumes and environment sources on a real node: configMap, secret,
// downwardAPI and emptyDir (tmpfs) volumes mounted through CRI, env from
// ConfigMaps and Secrets, a ConfigMap update reaching a running pod, and
// upstream's FailedMount / CreateContainerConfigError for missing sources.
// Run under the node lock: other e2e files use the k8ts0 bridge too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startCluster, destroyCluster, waitNodeReady } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';

const NODE = 'e2e-volumes';
const IMAGE = 'k8ts.local/busybox:1';

const appPod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'app', labels: { tier: 'web' } },
  spec: {
    volumes: [
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'sec', secret: { secretName: 'creds', defaultMode: 0o400 } },
      { name: 'shared', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
      { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    ],
    initContainers: [{ name: 'init', image: IMAGE, command: ['sh', '-c', 'echo from-init > /shared/init.txt'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] }],
    containers: [{
      name: 'app', image: IMAGE,
      env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }, { name: 'GREETING_TWICE', value: '$(greeting)-$(greeting)' }],
      envFrom: [{ configMapRef: { name: 'cfg' } }],
      command: ['sh', '-c', [
        'echo "file=$(cat /cfg/greeting) secret=$(cat /sec/password) env=$PW/$greeting/$GREETING_TWICE k=${KUBERNETES_SERVICE_HOST:+set}"',
        'echo "init=$(cat /shared/init.txt) labels=$(cat /etc/podinfo/labels) fs=$(grep " /shared " /proc/mounts | cut -d" " -f3)"',
        'while true; do echo "now=$(cat /cfg/greeting)"; sleep 1; done',
      ].join('; ')],
      volumeMounts: [
        { name: 'cfg', mountPath: '/cfg' }, { name: 'sec', mountPath: '/sec' }, { name: 'shared', mountPath: '/shared' },
        { name: 'info', mountPath: '/etc/podinfo' },
      ],
    }],
    terminationGracePeriodSeconds: 1,
  },
};

function pod(name: string, spec: any): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, ...spec } });
}

describe('kubelet volumes and env sources', { timeout: 150_000 }, () => {
  let c: TestCluster | undefined;
  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.197.0.0/16'] });
    await waitNodeReady(c!, NODE);
  });
  after(async () => {
    if (c) {
      // Deleting the pods lets the kubelet unmount their tmpfs volumes before the node goes.
      await c.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s']);
      const dir = c.dataDir;
      const left = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(`${dir}/agent/kubelet`));
      await destroyCluster(c);
      assert.deepEqual(left, [], 'volume mounts left behind after the pods were deleted');
    }
  });

  it('mounts configMap, secret, downwardAPI and a tmpfs emptyDir shared with the init container; env from both sources', async () => {
    await c!.k(['create', 'configmap', 'cfg', '--from-literal=greeting=hello']);
    await c!.k(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
    await c!.k(['apply', '-f', '-'], { input: JSON.stringify(appPod) });
    await c!.k(['wait', '--for=condition=Ready', 'pod/app', '--timeout=60s']);
    const lines = await until('the first two log lines', 20_000, async () => {
      const r = await c!.kubectl(['logs', 'app']);
      return r.code === 0 && r.stdout.includes('now=') && r.stdout.split('\n');
    });
    assert.equal(lines[0], 'file=hello secret=s3cret env=s3cret/hello/hello-hello k=set');
    assert.equal(lines[1], 'init=from-init labels=tier="web" fs=tmpfs');
  });

  it('shows a ConfigMap update in the running pod\'s volume', async () => {
    await c!.k(['patch', 'configmap', 'cfg', '--type=merge', '-p', '{"data":{"greeting":"updated"}}']);
    await until('the pod to print the new value', 60_000, async () => {
      const r = await c!.kubectl(['logs', 'app', '--tail=1']);
      return r.stdout.trim() === 'now=updated';
    }, 1000);
  });

  it('a missing ConfigMap volume: FailedMount with upstream\'s message, ContainerCreating, then it starts once the ConfigMap exists', async () => {
    await c!.k(['apply', '-f', '-'], { input: pod('broken', {
      volumes: [{ name: 'cfg', configMap: { name: 'absent' } }],
      containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'cat /cfg/k; echo; sleep 3600'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
    }) });
    const ev = await until('a FailedMount event', 30_000, async () => {
      const r = await c!.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=broken,reason=FailedMount', '-o', 'json']);
      return r.code === 0 && JSON.parse(r.stdout).items[0];
    });
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, 'MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found');
    assert.equal(ev.source.component, 'kubelet');
    const waiting = await until('the container to wait in ContainerCreating', 20_000, async () => {
      const r = await c!.kubectl(['get', 'pod', 'broken', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}']);
      return r.stdout;
    });
    assert.equal(waiting, 'ContainerCreating');
    await c!.k(['create', 'configmap', 'absent', '--from-literal=k=finally']);
    await c!.k(['wait', '--for=condition=Ready', 'pod/broken', '--timeout=45s']);
    assert.equal(await until('the log', 10_000, async () => (await c!.kubectl(['logs', 'broken'])).stdout), 'finally\n');
  });

  it('a missing key in a configMapKeyRef: CreateContainerConfigError with upstream\'s message', async () => {
    await c!.k(['apply', '-f', '-'], { input: pod('badenv', {
      containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nokey' } } }] }],
    }) });
    const w = await until('CreateContainerConfigError', 40_000, async () => {
      const r = await c!.kubectl(['get', 'pod', 'badenv', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting}']);
      return r.stdout.includes('CreateContainerConfigError') && JSON.parse(r.stdout);
    });
    assert.deepEqual(w, { reason: 'CreateContainerConfigError', message: "couldn't find key nokey in ConfigMap default/cfg" });
  });
});
