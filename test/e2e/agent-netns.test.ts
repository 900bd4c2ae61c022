// Two "hosts" on one machine: `k8ts server` runs its own node here, and
// `k8ts agent` joins from a second network namespace over a veth pair, as
// from another host on the same L2 segment. The agent's node registers with
// its namespace address, runs a real container in its own podCIDR, serves
// logs and exec to the API server over its address, and pods on the two
// nodes reach each other by pod IP through the host-gw routes each node
// keeps, without masquerade. When everything stops, nothing is left: no
// namespace, veth, bridge, route, mount or iptables rule.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, destroyCluster, run, killGroup, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { createNetns } from '../support/netns.ts';
import type { TestNetns } from '../support/netns.ts';
import { until } from '../support/wait.ts';
import { killShims, removeCgroupTree, unmountUnder } from '../../src/kubelet/containerd/daemon.ts';
import { ROUTE_PROTO } from '../../src/kubelet/network/host.ts';

const BUSYBOX = 'k8ts.local/busybox:1';

/** An httpd whose CGI answers with the address the request came from. */
function webPod(name: string, node: string): string {
  const script = 'mkdir -p /www/cgi-bin && printf \'#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho "from $REMOTE_ADDR"\\n\' > /www/cgi-bin/ip'
    + ` && chmod +x /www/cgi-bin/ip && echo ${name} serving && exec httpd -f -p 8080 -h /www`;
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': node }, terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image: BUSYBOX, command: ['sh', '-c', script], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
    },
  });
}

function exitOf(p: ChildProcess, ms: number): Promise<number | null | 'timeout'> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), ms);
    p.once('exit', (code) => { clearTimeout(t); resolve(code); });
  });
}

/** Lines of iptables-save (every table) that name k8ts, in this namespace or in `ns`. */
async function k8tsRules(ns?: TestNetns): Promise<string[]> {
  const r = ns ? await ns.run('iptables-save', []) : await run('iptables-save', [], {});
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => /k8ts/i.test(l));
}

describe('k8ts agent in a second network namespace', { timeout: 240_000 }, () => {
  let ns: TestNetns | undefined;
  let c: TestCluster | undefined;
  let agent: ChildProcess | undefined;
  let agentOut = '';
  let agentDir = '';
  let baselineRules: string[] = [];
  const id = Math.random().toString(36).slice(2, 8);
  const SERVER_NODE = `e2e-host-${id}`;
  const AGENT_NODE = `e2e-netns-${id}`;
  const ips: Record<string, string> = {};

  before(async () => {
    baselineRules = await k8tsRules();
    ns = await createNetns();
    // The server's node is addressed on the veth too: host-gw routes need the nodes on one network.
    c = await startCluster({ agent: true, bindAddress: '0.0.0.0', extraArgs: ['--tls-san', ns.hostIP, '--node-ip', ns.hostIP, '--node-name', SERVER_NODE] });
    const token = readFileSync(join(c.dataDir, 'token'), 'utf8').trim();
    agentDir = mkdtempSync(join(tmpdir(), 'k8ts-ns-'));
    const [cmd, args] = ns.wrap(K8TS, ['agent', '--server', `https://${ns.hostIP}:${c.port}`, '--token', token, '--data-dir', agentDir,
      '--node-name', AGENT_NODE, '--node-ip', ns.nsIP]);
    agent = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, K8TS_LOG: process.env.K8TS_TEST_LOG ?? 'quiet' } });
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
    if (agentDir) {
      // What an agent that died without its own cleanup leaves: shims with their containers, mounts, its cgroups.
      killShims(join(agentDir, 'agent', 'containerd', 'containerd.sock'));
      await unmountUnder(agentDir).catch(() => undefined);
      rmSync(agentDir, { recursive: true, force: true });
      removeCgroupTree(`/k8ts/${AGENT_NODE}`);
    }
    await ns?.cleanup();
  });

  it('joins from the namespace: the node is Ready with its namespace address as InternalIP and a /24 of its own', async () => {
    const node = await until(`node ${AGENT_NODE} to be Ready`, 90_000, async () => {
      if (agent!.exitCode !== null) throw new Error(`k8ts agent exited with ${agent!.exitCode}:\n${agentOut}`);
      const r = await c!.kubectl(['get', 'node', AGENT_NODE, '-o', 'json']);
      if (r.code !== 0) return false;
      const n = JSON.parse(r.stdout);
      return n.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True') && n;
    }, 500);
    assert.deepEqual(node.status.addresses.filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address), [ns!.nsIP]);
    assert.equal(node.spec.podCIDR, '10.42.1.0/24');
    const server = await until(`node ${SERVER_NODE} to be Ready`, 60_000, async () => {
      const n = JSON.parse(await c!.k(['get', 'node', SERVER_NODE, '-o', 'json']));
      return n.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True') && n;
    }, 500);
    assert.equal(server.spec.podCIDR, '10.42.0.0/24');
    assert.deepEqual(server.status.addresses.filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address), [ns!.hostIP]);
    // Each host keeps the route to the other's pods, tagged as k8ts's own.
    const hostRoute = await until('the host\'s route to the agent\'s pods', 20_000, async () => (await run('ip', ['-4', 'route', 'show', '10.42.1.0/24'], {})).stdout.trim());
    assert.equal(hostRoute, `10.42.1.0/24 via ${ns!.nsIP} dev ${ns!.hostIf} proto ${ROUTE_PROTO} `.trim());
    const nsRoute = await until('the namespace\'s route to the server node\'s pods', 20_000, async () => (await ns!.run('ip', ['-4', 'route', 'show', '10.42.0.0/24'])).stdout.trim());
    assert.equal(nsRoute, `10.42.0.0/24 via ${ns!.hostIP} dev eth0 proto ${ROUTE_PROTO}`);
  });

  it('runs a pod pinned to the agent as a real container in its podCIDR; kubectl logs and exec reach it at the namespace address', async () => {
    await c!.k(['apply', '-f', '-'], { input: webPod('web-agent', AGENT_NODE) });
    await c!.k(['apply', '-f', '-'], { input: webPod('web-host', SERVER_NODE) });
    await c!.k(['wait', '--for=condition=Ready', 'pod/web-agent', 'pod/web-host', '--timeout=90s']);
    const p = JSON.parse(await c!.k(['get', 'pod', 'web-agent', '-o', 'json']));
    assert.equal(p.spec.nodeName, AGENT_NODE);
    assert.equal(p.status.hostIP, ns!.nsIP);
    assert.match(p.status.podIP, /^10\.42\.1\.\d+$/);
    assert.match(p.status.containerStatuses[0].containerID, /^containerd:\/\//);
    ips.agent = p.status.podIP;
    ips.host = JSON.parse(await c!.k(['get', 'pod', 'web-host', '-o', 'jsonpath={.status}'])).podIP;
    assert.match(ips.host, /^10\.42\.0\.\d+$/);
    const log = await until('the pod\'s log line', 20_000, async () => {
      const r = await c!.kubectl(['logs', 'web-agent']);
      return r.code === 0 && r.stdout.includes('serving') && r.stdout;
    });
    assert.equal(log, 'web-agent serving\n');
    assert.equal(await c!.k(['exec', 'web-agent', '--', 'hostname']), 'web-agent\n');
    const failed = await c!.kubectl(['exec', 'web-agent', '--', 'sh', '-c', 'exit 3']);
    assert.equal(failed.code, 3, `the exit code comes back through the agent's kubelet: ${failed.stderr}`);
    // The pod is not reachable from the host except through the route into the namespace.
    const ping = await run('busybox', ['ping', '-c', '1', '-W', '3', ips.agent], {});
    assert.equal(ping.code, 0, `the host reaches ${ips.agent}: ${ping.stdout}${ping.stderr}`);
  });

  it('pods on the two nodes reach each other by pod IP, and see each other\'s real pod IP (no masquerade)', async () => {
    // A plain HTTP request over nc: the image's static busybox wget crashes (SIGSEGV) inside containers.
    const fetchFrom = async (pod: string, ip: string) => {
      const r = await c!.kubectl(['exec', pod, '--', 'sh', '-c', `printf 'GET /cgi-bin/ip HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${ip} 8080`]);
      assert.equal(r.code, 0, `${pod} → ${ip}: ${r.stderr}${r.stdout}`);
      assert.match(r.stdout, /^HTTP\/1\.[01] 200 OK\r?\n/, r.stdout);
      // httpd listens on an IPv6 socket: an IPv4 peer shows as [::ffff:a.b.c.d].
      return r.stdout.trim().split('\n').pop()!.replace(/\[::ffff:([\d.]+)\]$/, '$1');
    };
    assert.equal(await fetchFrom('web-host', ips.agent), `from ${ips.host}`);
    assert.equal(await fetchFrom('web-agent', ips.host), `from ${ips.agent}`);
    const exempt = (await k8tsRules()).filter((l) => l.includes('K8TS-POSTROUTING') && l.includes('-j ACCEPT'));
    assert.deepEqual(exempt, ['-A K8TS-POSTROUTING -s 10.42.0.0/24 -d 10.42.1.0/24 -m comment --comment "k8ts: pods of node ' + AGENT_NODE + '" -j ACCEPT']);
  });

  it('stops on SIGTERM and, once the node is deleted and the server stopped, leaves no namespace, veth, bridge, route, mount or iptables rule', async () => {
    agent!.kill('SIGTERM');
    assert.equal(await exitOf(agent!, 60_000), 0, agentOut);
    // Inside the namespace: the agent took its bridge, its routes and its rules with it.
    assert.notEqual((await ns!.run('ip', ['link', 'show', 'k8ts0'])).code, 0, 'the agent\'s k8ts0 bridge is gone');
    assert.equal((await ns!.run('ip', ['-4', 'route', 'show', 'proto', ROUTE_PROTO])).stdout, '');
    assert.deepEqual(await k8tsRules(ns), []);
    assert.equal((await run('ip', ['netns', 'pids', ns!.name], {})).stdout.trim(), '', 'no process is left in the namespace');

    await c!.k(['delete', 'node', AGENT_NODE]);
    await until('the host\'s route to the deleted node\'s pods to go', 20_000, async () => (await run('ip', ['-4', 'route', 'show', '10.42.1.0/24'], {})).stdout === '');
    await until('the masquerade exemptions to go with the last other node', 20_000, async () => !(await k8tsRules()).some((l) => l.includes('K8TS-POSTROUTING')));

    assert.equal(await c!.stop(), 0, c!.logs());
    assert.notEqual((await run('ip', ['link', 'show', 'k8ts0'], {})).code, 0, 'the server node\'s bridge is gone');
    assert.equal((await run('ip', ['-4', 'route', 'show', 'proto', ROUTE_PROTO], {})).stdout, '');
    assert.deepEqual(await k8tsRules(), baselineRules);
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(agentDir) || l.includes(c!.dataDir));
    assert.deepEqual(mounts, []);

    await ns!.cleanup();
    assert.doesNotMatch((await run('ip', ['netns', 'list'], {})).stdout, new RegExp(ns!.name));
    assert.doesNotMatch((await run('ip', ['link'], {})).stdout, new RegExp(ns!.hostIf));
    assert.doesNotMatch((await run('ip', ['-4', 'route', 'show', 'table', 'all'], {})).stdout, new RegExp(ns!.subnet.replace(/\.0\/24$/, '\\.')));
  });
});
