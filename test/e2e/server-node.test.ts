// `k8ts server` without --disable-agent, as the README starts it: the one
// command leaves a Ready node that runs real containers through its own
// containerd, and stopping the server leaves nothing behind.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, destroyCluster, run, KUBECTL_ENV } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { sleep, until } from '../support/wait.ts';

const NODE = 'e2e-server-node';

describe('k8ts server with its own node', { timeout: 240_000 }, () => {
  let c: TestCluster | undefined;
  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.199.0.0/16'] });
  });
  after(async () => { await destroyCluster(c); });

  it('registers a Ready node with the host\'s capacity and containerd as its runtime', async () => {
    const node = await until('the node to be Ready', 60_000, async () => {
      const r = await c!.kubectl(['get', 'node', NODE, '-o', 'json']);
      if (r.code !== 0) return false;
      const n = JSON.parse(r.stdout);
      return n.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True') && n;
    });
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
    assert.equal(node.spec.podCIDR, '10.199.0.0/24');
    assert.ok(Number(node.status.capacity.cpu) >= 1);
    assert.equal(node.status.capacity.pods, '110');
  });

  it('runs a Deployment of real containers that answer on their pod IPs, behind a Service\'s endpoints', async () => {
    await c!.k(['create', 'deployment', 'web', '--image=k8ts.local/busybox:1', '--replicas=2', '--', 'httpd', '-f', '-p', '8080']);
    await c!.k(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
    await c!.k(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    const pods = JSON.parse(await c!.k(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.equal(p.spec.nodeName, NODE);
      assert.match(p.status.podIP, /^10\.199\.0\.\d+$/);
      assert.match(p.status.containerStatuses[0].containerID, /^containerd:\/\//);
      // httpd answers (a 404 for / is an answer: the container is really serving).
      const r = await run('busybox', ['wget', '-q', '-T', '5', '-O', '-', `http://${p.status.podIP}:8080/`], {});
      assert.match(r.stderr + r.stdout, /404|^$/, `wget ${p.status.podIP}: ${r.stderr}`);
    }
    const ips = await until('two endpoint addresses', 30_000, async () => {
      const out = (await c!.k(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])).trim();
      return out.split(' ').length === 2 && out;
    });
    assert.deepEqual(ips.split(' ').sort(), pods.map((p: any) => p.status.podIP).sort());
  });

  it('runs a pod to completion', async () => {
    await c!.k(['run', 'once', '--image=k8ts.local/busybox:1', '--restart=Never', '--', 'sh', '-c', 'exit 0']);
    await c!.k(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/once', '--timeout=60s']);
    const s = JSON.parse(await c!.k(['get', 'pod', 'once', '-o', 'json'])).status.containerStatuses[0];
    assert.equal(s.state.terminated.reason, 'Completed');
    assert.equal(s.state.terminated.exitCode, 0);
  });

  it('serves kubectl logs from the kubelet: --tail, --timestamps, --limit-bytes, -f, and upstream\'s errors', async () => {
    await c!.k(['run', 'talker', '--image=k8ts.local/busybox:1', '--restart=Never', '--', 'sh', '-c', 'for i in 1 2 3; do echo line $i; done; sleep 3600']);
    await c!.k(['wait', '--for=condition=Ready', 'pod/talker', '--timeout=60s']);
    const all = await until('the three lines in kubectl logs', 20_000, async () => {
      const r = await c!.kubectl(['logs', 'talker']);
      return r.code === 0 && r.stdout.includes('line 3') && r.stdout;
    });
    assert.equal(all, 'line 1\nline 2\nline 3\n');
    assert.equal(await c!.k(['logs', 'talker', '--tail=1']), 'line 3\n');
    assert.equal(await c!.k(['logs', 'talker', '--limit-bytes=8']), 'line 1\nl');
    const stamped = (await c!.k(['logs', 'talker', '--timestamps'])).trimEnd().split('\n');
    assert.equal(stamped.length, 3);
    for (const [i, l] of stamped.entries()) assert.match(l, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d) line ${i + 1}$`));
    assert.equal(await c!.k(['logs', 'talker', '--since=1h']), all);

    // -f streams and stays open while the container runs; it ends when kubectl is interrupted.
    const follow = spawn('kubectl', ['--kubeconfig', c!.kubeconfig, 'logs', '-f', 'talker'], { env: KUBECTL_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follow.stdout.on('data', (d) => { followed += d; });
    const exited = new Promise<number | null>((r) => follow.once('exit', (code) => r(code)));
    try {
      await until('kubectl logs -f to print the lines', 20_000, async () => followed.includes('line 3'));
      await sleep(1500);
      assert.equal(follow.exitCode, null, 'kubectl logs -f ended while the container still runs');
      assert.equal(followed, all);
    } finally {
      follow.kill('SIGINT');
    }
    await exited;

    const missing = await c!.kubectl(['logs', 'talker', '-c', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /container nope is not valid for pod talker/);
    const previous = await c!.kubectl(['logs', 'talker', '--previous']);
    assert.notEqual(previous.code, 0);
    assert.match(previous.stderr, /previous terminated container "talker" in pod "talker" not found/);
    const deploy = await c!.kubectl(['logs', 'deploy/web']);
    assert.equal(deploy.code, 0, deploy.stderr);
  });

  it('leaves no containerd, bridge or mount behind when the server stops', async () => {
    const dir = c!.dataDir;
    assert.equal(await c!.stop('SIGTERM'), 0);
    const procs = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes(join(dir, 'agent')));
    assert.deepEqual(procs, []);
    const bridge = await run('ip', ['link', 'show', 'k8ts0'], {});
    assert.notEqual(bridge.code, 0, 'the k8ts0 bridge is still there');
    const mounts = execFileSync('cat', ['/proc/mounts']).toString().split('\n').filter((l) => l.includes(dir));
    assert.deepEqual(mounts, []);
    assert.equal(existsSync(join(dir, 'agent', 'containerd')), false);
  });
});
