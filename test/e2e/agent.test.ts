// `k8ts agent` joins a node to a server started with --disable-agent, as
// `k3s agent` does: the token from DATA_DIR/token pins the server's CA and
// authenticates the join; the node registers Ready with its labels, taint
// and a /24 of its own, and runs a real container. Wrong tokens are refused
// with a message that says what is wrong.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, destroyCluster, run, killGroup, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';
import { killShims, unmountUnder } from '../../src/kubelet/containerd/daemon.ts';
import { removeBridge, removeIdleHostportChains } from '../../src/kubelet/cni.ts';

const NODE = 'e2e-agent';
// Its own bridge, so that nothing else on the host that uses k8ts0 is touched.
const BRIDGE = 'k8tsag0';

/** The agent's exit code, or 'timeout' (the timer must not outlive the wait: it would hold the test process open). */
function exitOf(p: ChildProcess, ms: number): Promise<number | null | 'timeout'> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), ms);
    p.once('exit', (code) => { clearTimeout(t); resolve(code); });
  });
}

describe('k8ts agent', { timeout: 120_000 }, () => {
  let c: TestCluster | undefined;
  let agent: ChildProcess | undefined;
  let agentOut = '';
  let token = '';
  let server = '';
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'k8ts-ag-'));
    dirs.push(d);
    return d;
  };

  before(async () => {
    c = await startCluster();
    token = readFileSync(join(c.dataDir, 'token'), 'utf8').trim();
    server = `https://127.0.0.1:${c.port}`;
    agent = spawn(K8TS, ['agent', '--server', server, '--token', token, '--data-dir', tmp(), '--node-name', NODE,
      '--node-labels', 'role=worker', '--node-taint', 'dedicated=agents:NoSchedule', '--cni-bridge', BRIDGE], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, K8TS_LOG: process.env.K8TS_TEST_LOG ?? 'quiet' },
    });
    agent.stdout!.on('data', (d) => { agentOut += d; });
    agent.stderr!.on('data', (d) => { agentOut += d; });
  });

  after(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGTERM');
      await exitOf(agent, 30_000);
    }
    if (agent) killGroup(agent);
    await destroyCluster(c);
    // An agent that died without its own cleanup (a failed test) leaves its
    // containers' shims and mounts behind: take them down here.
    for (const d of dirs) {
      killShims(join(d, 'agent', 'containerd', 'containerd.sock'));
      await unmountUnder(d).catch(() => undefined);
      rmSync(d, { recursive: true, force: true });
    }
    await removeBridge(BRIDGE).catch(() => undefined);
    await removeIdleHostportChains().catch(() => undefined);
  });

  it('writes a 0600 token in k3s\'s format whose hash is the sha256 of /cacerts', async () => {
    assert.match(token, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    assert.equal(statSync(join(c!.dataDir, 'token')).mode & 0o777, 0o600);
    const body = await c!.k(['get', '--raw', '/cacerts']);
    assert.equal(body, readFileSync(join(c!.dataDir, 'tls', 'ca.crt'), 'utf8'));
    assert.equal(`K10${createHash('sha256').update(body).digest('hex')}`, token.split('::')[0]);
    const anonymous = await run('curl', ['-sk', `${server}/cacerts`], {});
    assert.equal(anonymous.stdout, body, 'GET /cacerts needs no authentication');
  });

  it('refuses a wrong password, a token for another CA and a malformed token, saying which', async () => {
    const [hash] = token.split('::');
    const cases: [string, string, RegExp][] = [
      ['wrong password', `${hash}::server:0123456789abcdef0123456789abcdef`, /rejected the token \(401 Unauthorized\)/],
      ['other CA', `K10${'0'.repeat(64)}::server:${token.split(':').pop()}`, /token CA hash does not match the Cluster CA certificate hash.*The token is not for the server at/],
      ['malformed', 'K10abc::server:x', /--token is malformed/],
    ];
    for (const [name, bad, re] of cases) {
      const r = await run(K8TS, ['agent', '--server', server, '--token', bad, '--data-dir', tmp(), '--node-name', 'refused'], { timeoutMs: 20_000 });
      assert.notEqual(r.code, 0, `${name}: exit code`);
      assert.match(r.stderr, re, name);
    }
    const unreachable = await run(K8TS, ['agent', '--server', 'https://127.0.0.1:1', '--token', token, '--data-dir', tmp(), '--node-name', 'refused'], { timeoutMs: 20_000 });
    assert.notEqual(unreachable.code, 0);
    assert.match(unreachable.stderr, /cannot reach the k8ts server at https:\/\/127\.0\.0\.1:1/);
    assert.notEqual((await c!.kubectl(['get', 'node', 'refused'])).code, 0, 'no node registered for refused joins');
  });

  it('joins: the node becomes Ready with its label, taint and its own /24', async () => {
    const node = await until(`node ${NODE} to be Ready`, 60_000, async () => {
      if (agent!.exitCode !== null) throw new Error(`k8ts agent exited with ${agent!.exitCode}:\n${agentOut}`);
      const r = await c!.kubectl(['get', 'node', NODE, '-o', 'json']);
      if (r.code !== 0) return false;
      const n = JSON.parse(r.stdout);
      return n.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True') && n;
    }, 500);
    assert.equal(node.metadata.labels.role, 'worker');
    assert.ok(node.spec.taints?.some((t: any) => t.key === 'dedicated' && t.value === 'agents' && t.effect === 'NoSchedule'), JSON.stringify(node.spec.taints));
    // The first /24 is the server's own node's, even when it runs none.
    assert.equal(node.spec.podCIDR, '10.42.1.0/24');
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
    assert.equal((await run('pgrep', ['-f', 'k8ts-ag-.*containerd'], {})).code, 0, 'the agent runs its own containerd under its data dir');
    assert.match(agentOut, new RegExp(`node ${NODE} joined ${server.replace(/\./g, '\\.')} with pod CIDR 10\\.42\\.1\\.0/24`));
  });

  it('runs a pod that tolerates the taint as a real container with an IP of the node\'s /24; one that does not stays Pending', async () => {
    const pod = (name: string, tolerate: boolean) => JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: {
        containers: [{ name: 'main', image: 'k8ts.local/busybox:1', command: ['sh', '-c', `echo hello from ${name}; exec sleep 3600`] }], terminationGracePeriodSeconds: 1,
        ...(tolerate ? { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'agents', effect: 'NoSchedule' }] } : {}),
      },
    });
    await c!.k(['apply', '-f', '-'], { input: pod('tolerant', true) });
    await c!.k(['apply', '-f', '-'], { input: pod('intolerant', false) });
    await c!.k(['wait', '--for=condition=Ready', 'pod/tolerant', '--timeout=60s']);
    const p = JSON.parse(await c!.k(['get', 'pod', 'tolerant', '-o', 'json']));
    assert.equal(p.spec.nodeName, NODE);
    assert.match(p.status.podIP, /^10\.42\.1\.\d+$/);
    assert.match(p.status.containerStatuses[0].containerID, /^containerd:\/\//);
    // kubectl logs goes through the agent's kubelet, whose serving certificate came with the join.
    const log = await until('the pod\'s log line', 20_000, async () => {
      const r = await c!.kubectl(['logs', 'tolerant']);
      return r.code === 0 && r.stdout.includes('hello') && r.stdout;
    });
    assert.equal(log, 'hello from tolerant\n');
    const ping = await run('busybox', ['ping', '-c', '1', '-W', '3', p.status.podIP], {});
    assert.equal(ping.code, 0, `the pod answers on ${p.status.podIP}: ${ping.stdout}${ping.stderr}`);
    const cond = await until('intolerant to be unschedulable', 20_000, async () => {
      const o = JSON.parse(await c!.k(['get', 'pod', 'intolerant', '-o', 'json']));
      return o.status?.conditions?.find((x: any) => x.type === 'PodScheduled' && x.status === 'False');
    });
    assert.match(cond.message, /untolerated taint.*dedicated: agents/);
  });

  it('stops on SIGTERM, taking its pods, containerd and bridge with it; the server keeps its token across a restart', async () => {
    agent!.kill('SIGTERM');
    assert.equal(await exitOf(agent!, 45_000), 0, agentOut);
    const bridge = await run('ip', ['link', 'show', BRIDGE], {});
    assert.notEqual(bridge.code, 0, `the ${BRIDGE} bridge is still there`);
    const left = await run('pgrep', ['-f', 'k8ts-ag-.*containerd'], {});
    assert.notEqual(left.code, 0, `containerd still runs: ${left.stdout}`);
    await c!.restart();
    assert.equal(readFileSync(join(c!.dataDir, 'token'), 'utf8').trim(), token, 'the token survives a server restart');
  });
});
