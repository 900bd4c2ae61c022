// Two `k8ts server`s on one etcd: only one controller manager acts at a
// time (the holder of the kube-system/kube-controller-manager Lease); when
// the leader's server is killed, the other takes over, and no pod is
// created twice.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, killGroup, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { startEtcd } from '../support/etcd.ts';
import type { TestEtcd } from '../support/etcd.ts';
import { adminClient } from '../support/http.ts';
import { sleep, until } from '../support/wait.ts';

describe('leader election between two servers', { timeout: 180_000 }, () => {
  let etcd: TestEtcd;
  let a: TestCluster;
  let b: TestCluster;
  let hollow: ChildProcess;

  const holder = async (c: TestCluster) => {
    const r = await c.kubectl(['-n', 'kube-system', 'get', 'lease', 'kube-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}']);
    return r.code === 0 ? r.stdout.trim() : '';
  };

  before(async () => {
    etcd = await startEtcd();
    const store = ['--datastore-endpoint', etcd.endpoints.join(',')];
    a = await startCluster({ extraArgs: store });
    // A runs alone first, so its controller manager is the leader.
    await until('a leader', 30_000, () => holder(a));
    b = await startCluster({ extraArgs: store });
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', b.kubeconfig, '--nodes', '3'], { stdio: 'ignore', detached: true, env: { ...process.env, K8TS_LOG: 'quiet' } });
    await until('3 Ready nodes', 30_000, async () => (await b.k(['get', 'nodes', '--no-headers'])).split('\n').filter((l) => /\sReady\s/.test(l)).length === 3);
  });
  after(async () => {
    if (hollow) killGroup(hollow);
    await destroyCluster(b);
    await destroyCluster(a);
    await etcd?.stop();
  });

  it('hands over within the lease duration when the leader dies, without creating a pod twice', async () => {
    const first = await holder(b);
    assert.ok(first, 'no leader');
    await b.k(['create', 'deployment', 'ha', '--image=registry.local/x:1', '--replicas=5']);
    await b.k(['rollout', 'status', 'deployment/ha', '--timeout=60s']);

    // Every pod the Deployment ever gets, as a watcher through B sees them.
    const http = adminClient(b.kubeconfig);
    const created = new Set<string>();
    const close = await http.watch('/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dha', (ev) => {
      if (ev.type === 'ADDED') created.add(ev.object.metadata.name);
    });
    try {
      await a.stop('SIGKILL');
      const killedAt = Date.now();
      const second = await until('a new leader', 30_000, async () => {
        const h = await holder(b);
        return h && h !== first && h;
      });
      // The new holder's acquireTime says when it took over (same host clock).
      const lease = JSON.parse(await b.k(['-n', 'kube-system', 'get', 'lease', 'kube-controller-manager', '-o', 'json']));
      const handover = Date.parse(lease.spec.acquireTime) - killedAt;
      assert.ok(handover <= 15_000, `the new leader took over ${handover} ms after the kill`);
      assert.equal(lease.spec.leaseTransitions, 1);
      assert.notEqual(second, first);
      await b.k(['scale', 'deployment/ha', '--replicas=8']);
      await b.k(['rollout', 'status', 'deployment/ha', '--timeout=60s']);
      await sleep(2000);
    } finally {
      close();
      http.close();
    }
    const pods = (await b.k(['get', 'pods', '-l', 'app=ha', '-o', 'name'])).trim().split('\n');
    assert.equal(pods.length, 8);
    // The 5 pods from before the kill were listed as ADDED when the watch
    // began; the scale-up adds exactly 3 more: nothing was created twice.
    assert.equal(created.size, 8, `pods ever seen: ${[...created].join(' ')}`);
  });
});
