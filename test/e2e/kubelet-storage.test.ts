// Storage and stats on a real node: a claim with no class gets the default
// local-path StorageClass, the scheduler picks the node, the provisioner
// creates and binds a PV under the node's <data-dir>/storage, the pod's
// data (whole volume and subPath) outlives the pod, and deleting the claim
// deletes the PV and, through the node's sweep, its directory. The kubelet's
// /stats/summary shows the pod's container with its memory.
// Run under the node lock: other e2e files use the k8ts0 bridge and port 10250.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startCluster, destroyCluster, waitNodeReady } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';

const NODE = 'e2e-storage';
const IMAGE = 'k8ts.local/busybox:1';

const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } };

function pod(name: string, script: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }],
      containers: [{ name: 'app', image: IMAGE, command: ['sh', '-c', script], volumeMounts: [{ name: 'd', mountPath: '/data' }, { name: 'd', mountPath: '/nested', subPath: 'sub' }] }],
    },
  });
}

/** GET on the kubelet's HTTPS port with a client certificate of the cluster CA (what the apiserver presents). */
function kubeletGet(dataDir: string, path: string, withCert = true): Promise<{ code: number; body: string }> {
  const tls = join(dataDir, 'tls');
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: 10250, path, agent: false, ca: readFileSync(join(tls, 'ca.crt')),
      ...(withCert ? { cert: readFileSync(join(tls, 'admin.crt')), key: readFileSync(join(tls, 'admin.key')) } : {}), checkServerIdentity: () => undefined,
    }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The cells of a `kubectl get` table row, keyed by header. */
function row(table: string): Record<string, string> {
  const [head, line] = table.trim().split('\n');
  const starts = [...head.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index! }));
  const out: Record<string, string> = {};
  starts.forEach((s, i) => { out[s.name] = line.slice(s.at, starts[i + 1]?.at ?? line.length).trim(); });
  return out;
}

describe('local-path storage and the summary API on a real node', { timeout: 180_000 }, () => {
  let c: TestCluster | undefined;
  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.196.0.0/16'] });
    await waitNodeReady(c!, NODE);
  });
  after(async () => {
    if (c) await c.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s']);
    await destroyCluster(c);
  });

  it('serves local-path as the default class and gives it to a claim with none', async () => {
    const sc = row((await c!.k(['get', 'storageclass'])));
    assert.equal(sc.NAME, 'local-path (default)');
    assert.equal(sc.PROVISIONER, 'rancher.io/local-path');
    assert.equal(sc.RECLAIMPOLICY, 'Delete');
    assert.equal(sc.VOLUMEBINDINGMODE, 'WaitForFirstConsumer');
    await c!.k(['apply', '-f', '-'], { input: JSON.stringify(claim) });
    assert.equal((await c!.k(['get', 'pvc', 'data', '-o', 'jsonpath={.spec.storageClassName}/{.status.phase}'])), 'local-path/Pending');
  });

  it('provisions on the pod\'s node, binds, and keeps the data across a new pod', async () => {
    await c!.k(['apply', '-f', '-'], { input: pod('writer', 'echo persisted > /data/file.txt && echo inner > /nested/inner.txt && sleep 3600') });
    await c!.k(['wait', '--for=condition=Ready', 'pod/writer', '--timeout=60s']);
    // The scheduler binds the pod only once its claim is bound, so the kubelet never finds it unbound.
    assert.equal(await c!.k(['get', 'events', '--field-selector', 'involvedObject.name=writer,reason=FailedMount', '-o', 'name']), '');
    const pvc = row((await c!.k(['get', 'pvc', 'data'])));
    assert.equal(pvc.STATUS, 'Bound');
    assert.equal(pvc.STORAGECLASS, 'local-path');
    assert.equal(pvc.CAPACITY, '64Mi');
    const uid = (await c!.k(['get', 'pvc', 'data', '-o', 'jsonpath={.metadata.uid}']));
    assert.equal(pvc.VOLUME, `pvc-${uid}`);
    const pv = row((await c!.k(['get', 'pv'])));
    assert.deepEqual([pv.NAME, pv.STATUS, pv.CLAIM, pv.STORAGECLASS, pv['RECLAIM POLICY']], [`pvc-${uid}`, 'Bound', 'default/data', 'local-path', 'Delete']);
    const dir = join(c!.dataDir, 'storage', `pvc-${uid}_default_data`);
    const spec = JSON.parse((await c!.k(['get', 'pv', `pvc-${uid}`, '-o', 'json']))).spec;
    assert.equal(spec.hostPath.path, dir);
    assert.deepEqual(spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [NODE]);
    assert.equal((await c!.k(['get', 'pvc', 'data', '-o', 'jsonpath={.metadata.annotations.pv\\.kubernetes\\.io/bind-completed}'])), 'yes');
    await until('the writer\'s files on the node', 10_000, async () => existsSync(join(dir, 'sub/inner.txt')));
    assert.equal(readFileSync(join(dir, 'file.txt'), 'utf8'), 'persisted\n');

    await c!.k(['delete', 'pod', 'writer', '--wait=true', '--timeout=30s']);
    await c!.k(['apply', '-f', '-'], { input: pod('reader', 'cat /data/file.txt /nested/inner.txt; sleep 3600') });
    await c!.k(['wait', '--for=condition=Ready', 'pod/reader', '--timeout=60s']);
    const logs = await until('the reader\'s output', 20_000, async () => {
      const r = await c!.kubectl(['logs', 'reader']);
      return r.code === 0 && r.stdout.includes('inner') && r.stdout;
    });
    assert.equal(logs, 'persisted\ninner\n');
  });

  it('serves the pod\'s container in /stats/summary, only to the apiserver\'s CA', async () => {
    const summary = await until('the reader in the summary', 30_000, async () => {
      const r = await kubeletGet(c!.dataDir, '/stats/summary');
      if (r.code !== 200) return false;
      const s = JSON.parse(r.body);
      const p = s.pods.find((x: any) => x.podRef.name === 'reader');
      return p?.containers?.[0]?.memory?.workingSetBytes > 0 && s;
    });
    assert.equal(summary.node.nodeName, NODE);
    assert.ok(summary.node.memory.workingSetBytes > 0 && summary.node.cpu.usageCoreNanoSeconds > 0);
    const reader = summary.pods.find((x: any) => x.podRef.name === 'reader');
    assert.equal(reader.podRef.namespace, 'default');
    assert.deepEqual(reader.containers.map((x: any) => x.name), ['app']);
    assert.ok(reader.containers[0].cpu.usageCoreNanoSeconds > 0);
    assert.equal(reader.memory.workingSetBytes, reader.containers[0].memory.workingSetBytes);
    assert.ok(!summary.pods.some((x: any) => x.podRef.name === 'writer'), 'a deleted pod is not reported');
    assert.deepEqual(await kubeletGet(c!.dataDir, '/stats/summary', false), { code: 401, body: 'Unauthorized' });
  });

  it('deletes the PV and its directory when the claim goes', async () => {
    const uid = (await c!.k(['get', 'pvc', 'data', '-o', 'jsonpath={.metadata.uid}']));
    const dir = join(c!.dataDir, 'storage', `pvc-${uid}_default_data`);
    await c!.k(['delete', 'pod', 'reader', '--wait=true', '--timeout=30s']);
    await c!.k(['delete', 'pvc', 'data', '--wait=true', '--timeout=30s']);
    await until('the PV to be deleted', 20_000, async () => (await c!.kubectl(['get', 'pv', `pvc-${uid}`])).code !== 0);
    await until('the volume directory to be removed', 30_000, async () => !existsSync(dir));
  });
});
