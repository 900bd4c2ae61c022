// `k8ts hollow` against `k8ts server`, checked with the real kubectl: 50
// nodes Ready within 30 s, bound pods Running, job-style pods Succeeded or
// Failed, and a node told to stop heartbeating (by annotation, or every node
// by SIGUSR1 to the process) stops renewing its Lease.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { sleep, until } from '../support/wait.ts';

describe('hollow nodes', { timeout: 180_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess;

  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    hollow?.kill('SIGTERM');
    await destroyCluster(c);
  });

  it('registers 50 Ready nodes within 30 s', async () => {
    const t0 = Date.now();
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '50', '--zones', '3'], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, K8TS_LOG: 'quiet' } });
    await until('50 Ready nodes', 30_000, async () => {
      const out = await c.k(['get', 'nodes', '--no-headers']);
      const ready = out.split('\n').filter((l) => /^hollow-\d+\s+Ready\s/.test(l));
      return ready.length === 50;
    });
    assert.ok(Date.now() - t0 < 30_000);
    const node = JSON.parse(await c.k(['get', 'node', 'hollow-7', '-o', 'json']));
    assert.equal(node.status.capacity.cpu, '32');
    assert.equal(node.status.allocatable.pods, '110');
    assert.equal(node.metadata.labels['topology.kubernetes.io/zone'], 'zone-1');
    assert.ok(node.status.nodeInfo.kubeletVersion.startsWith('v1.33'));
    const wide = await c.k(['get', 'nodes', '-o', 'wide']);
    assert.match(wide, /^hollow-7\s+Ready\s+<none>\s+\S+\s+v1\.33\S*\s+10\.200\.0\.8\s/m);
  });

  it('runs bound pods, and finishes job-style pods', async () => {
    const pod = (name: string, node: string, ann: Record<string, string> = {}, restartPolicy = 'Always') => JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations: ann },
      spec: { nodeName: node, restartPolicy, containers: [{ name: 'c', image: 'registry.local/x:1' }] },
    });
    await c.k(['create', '-f', '-'], { input: pod('runner', 'hollow-1') });
    await c.k(['create', '-f', '-'], { input: pod('job-ok', 'hollow-2', { 'hollow.k8ts.io/run-seconds': '1' }, 'Never') });
    await c.k(['create', '-f', '-'], { input: pod('job-bad', 'hollow-3', { 'hollow.k8ts.io/exit-code': '3' }, 'Never') });
    await c.k(['wait', '--for=condition=Ready', 'pod/runner', '--timeout=20s']);
    const running = JSON.parse(await c.k(['get', 'pod', 'runner', '-o', 'json']));
    assert.equal(running.status.phase, 'Running');
    assert.match(running.status.podIP, /^10\.64\.1\.\d+$/);
    assert.equal(running.status.containerStatuses[0].ready, true);
    assert.ok(running.status.startTime);
    assert.match(await c.k(['get', 'pod', 'runner']), /^runner\s+1\/1\s+Running\s+0\s/m);
    await c.k(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/job-ok', '--timeout=20s']);
    await c.k(['wait', '--for=jsonpath={.status.phase}=Failed', 'pod/job-bad', '--timeout=20s']);
    const bad = JSON.parse(await c.k(['get', 'pod', 'job-bad', '-o', 'json']));
    assert.equal(bad.status.containerStatuses[0].state.terminated.exitCode, 3);
    assert.match(await c.k(['get', 'pod', 'job-ok']), /^job-ok\s+0\/1\s+Completed\s/m);
    // Graceful deletion completes: the hollow kubelet confirms it.
    assert.match(await c.k(['delete', 'pod', 'runner', '--timeout=20s']), /pod "runner" deleted/);
  });

  it('stops renewing the Lease of a node told to stop heartbeating', async () => {
    const renew = async () => (await c.k(['-n', 'kube-node-lease', 'get', 'lease', 'hollow-4', '-o', 'jsonpath={.spec.renewTime}'])).trim();
    const first = await renew();
    await until('a lease renewal', 15_000, async () => (await renew()) !== first);
    await c.k(['annotate', 'node', 'hollow-4', 'hollow.k8ts.io/heartbeat=stop']);
    await sleep(1500);
    const stopped = await renew();
    await sleep(12_000);
    assert.equal(await renew(), stopped, 'renewTime must not advance after the heartbeat stopped');
    // Other nodes keep renewing.
    const other = (await c.k(['-n', 'kube-node-lease', 'get', 'lease', 'hollow-5', '-o', 'jsonpath={.spec.renewTime}'])).trim();
    assert.ok(Date.parse(other) > Date.parse(stopped));
  });

  it('SIGUSR1 stops every node\'s Lease renewals, SIGUSR2 resumes them', async () => {
    const renewTimes = async () => {
      const leases = JSON.parse(await c.k(['-n', 'kube-node-lease', 'get', 'leases', '-o', 'json'])).items;
      return new Map<string, string>(leases.filter((l: any) => /^hollow-(1[0-9])$/.test(l.metadata.name)).map((l: any) => [l.metadata.name, l.spec.renewTime]));
    };
    hollow.kill('SIGUSR1');
    await sleep(1500);
    const stopped = await renewTimes();
    assert.equal(stopped.size, 10);
    await sleep(12_000);
    assert.deepEqual(await renewTimes(), stopped, 'no renewTime may advance while every heartbeat is stopped');
    hollow.kill('SIGUSR2');
    await until('every Lease renewed again', 15_000, async () => {
      const now = await renewTimes();
      return [...stopped].every(([name, t]) => Date.parse(now.get(name)!) > Date.parse(t));
    });
  });
});
