// Container lifecycle on a real node (k8ts server with its own containerd),
// checked with the real kubectl: a failing liveness probe restarts the
// container with upstream's Unhealthy and Killing events; a memory hog is
// OOMKilled at its limit inside the pod's QoS cgroup; a preStop hook runs
// before the stop and a container that ignores SIGTERM is killed only when
// its grace period (the pod's, or kubectl delete --grace-period) ends; and
// a kubelet killed and restarted by the server leaves running containers
// alone (same IDs, same restart counts) and cleans up pods deleted while it
// was down. Run under the node lock: other e2e files use the k8ts0 bridge.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, destroyCluster, waitNodeReady } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until, sleep } from '../support/wait.ts';
import { CriClient } from '../../src/kubelet/cri/client.ts';

const NODE = 'e2e-lifecycle';
const IMAGE = 'k8ts.local/busybox:1';
// A shell that ignores SIGTERM: as PID 1 it has no default action for it either.
const STUBBORN = ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'];

function pod(name: string, spec: any): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, ...spec } });
}

/** The kubelet the server supervises: a child of the server process whose command line says kubelet. */
function kubeletPid(serverPid: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (ppid === serverPid && cmd.includes('kubelet')) return Number(name);
    } catch {
      continue; // the process ended while we looked
    }
  }
  return undefined;
}

describe('kubelet container lifecycle', { timeout: 180_000 }, () => {
  let c: TestCluster | undefined;
  let cri: CriClient | undefined;
  const trace = mkdtempSync(join(tmpdir(), 'k8ts-prestop-'));
  const k = (args: string[], input?: string) => c!.k(args, input === undefined ? {} : { input });
  const getPod = async (name: string) => JSON.parse(await k(['get', 'pod', name, '-o', 'json']));
  const events = async (name: string) => JSON.parse(await k(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])).items
    .map((e: any) => `${e.reason}: ${e.message}`) as string[];

  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.196.0.0/16'] });
    cri = new CriClient(`unix://${join(c.dataDir, 'agent', 'containerd', 'containerd.sock')}`);
    await waitNodeReady(c!, NODE);
    // Everything starts at once: the tests below only watch.
    await Promise.all([
      k(['create', '-f', '-'], pod('live', {
        containers: [{
          name: 'web', image: IMAGE,
          // Healthy for 3 s, then /healthz answers 404.
          command: ['sh', '-c', 'mkdir -p /www; echo ok > /www/healthz; (sleep 3; rm /www/healthz) & exec httpd -f -p 8080 -h /www'],
          livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 1 },
        }],
      })),
      k(['create', '-f', '-'], pod('hog', {
        containers: [{ name: 'hog', image: IMAGE, command: ['sh', '-c', 'x=aaaaaaaa; while true; do x=$x$x; done'], resources: { limits: { memory: '32Mi' } } }],
      })),
      k(['create', '-f', '-'], pod('grace', {
        terminationGracePeriodSeconds: 5,
        volumes: [{ name: 'trace', hostPath: { path: trace, type: 'Directory' } }],
        containers: [{
          name: 'main', image: IMAGE, command: STUBBORN, volumeMounts: [{ name: 'trace', mountPath: '/trace' }],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo "prestop ran" > /trace/prestop'] } } },
        }],
      })),
      k(['create', '-f', '-'], pod('override', {
        terminationGracePeriodSeconds: 120,
        containers: [{ name: 'main', image: IMAGE, command: STUBBORN, lifecycle: { preStop: { sleep: { seconds: 1 } } } }],
      })),
      k(['create', '-f', '-'], pod('shortened', { terminationGracePeriodSeconds: 120, containers: [{ name: 'main', image: IMAGE, command: STUBBORN }] })),
      k(['create', '-f', '-'], pod('badhook', {
        containers: [{ name: 'main', image: IMAGE, command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo nope >&2; exit 7'] } } } }],
      })),
      ...['steady', 'gone-forced', 'gone-graceful'].map((n) => k(['create', '-f', '-'], pod(n, {
        containers: [{
          name: 'main', image: IMAGE, command: ['sleep', '3600'], readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
          lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo hooked > /tmp/poststart'] } } },
        }],
      }))),
    ]);
  });

  after(async () => {
    cri?.close();
    if (c) {
      await c.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s', '--grace-period=1']);
      if (process.env.K8TS_TEST_LOG) process.stderr.write(c.logs());
      await destroyCluster(c);
    }
    rmSync(trace, { recursive: true, force: true });
  });

  it('a failing liveness probe restarts the container, with Unhealthy and Killing events', async () => {
    const p = await until('live restarted', 60_000, async () => {
      const x = await getPod('live');
      return x.status?.containerStatuses?.[0]?.restartCount >= 1 && x;
    });
    const s = p.status.containerStatuses[0];
    assert.ok(s.lastState.terminated, 'the killed instance is the last state');
    const evs = await until('the events', 10_000, async () => {
      const e = await events('live');
      return e.some((x) => x.startsWith('Killing:')) && e;
    });
    assert.ok(evs.includes('Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 404'), evs.join('\n'));
    assert.ok(evs.includes('Killing: Container web failed liveness probe, will be restarted'), evs.join('\n'));
    assert.ok(evs.includes('Started: Started container web'), evs.join('\n'));
    assert.ok(evs.includes('Created: Created container: web'), evs.join('\n'));
  });

  it('a memory hog is OOMKilled at its limit, inside its QoS-tier pod cgroup', async () => {
    const p = await until('hog OOMKilled', 60_000, async () => {
      const x = await getPod('hog');
      const s = x.status?.containerStatuses?.[0];
      return (s?.lastState?.terminated?.reason === 'OOMKilled' || s?.state?.terminated?.reason === 'OOMKilled') && x;
    });
    const s = p.status.containerStatuses[0];
    const t = s.lastState.terminated ?? s.state.terminated;
    assert.equal(t.exitCode, 137);
    assert.equal(p.status.qosClass, 'Burstable');
    const podCgroup = `/sys/fs/cgroup/memory/k8ts/${NODE}/kubepods/burstable/pod${p.metadata.uid}`;
    if (existsSync('/sys/fs/cgroup/memory')) {
      assert.equal(readFileSync(join(podCgroup, 'memory.limit_in_bytes'), 'utf8').trim(), String(32 * 1024 * 1024));
    }
    // It keeps dying: the restarts back off, and say so.
    const backOff = `BackOff: Back-off restarting failed container hog in pod hog_default(${p.metadata.uid})`;
    await until('a BackOff event', 40_000, async () => (await events('hog')).includes(backOff));
  });

  it('preStop runs, and SIGTERM-ignoring containers die when the grace period (pod or --grace-period) ends', async () => {
    await k(['wait', '--for=condition=Ready', 'pod/grace', 'pod/override', 'pod/shortened', '--timeout=60s']);
    const timed = async (args: string[]) => {
      const began = Date.now();
      await k(args);
      return (Date.now() - began) / 1000;
    };
    const [podGrace, override, shortened] = await Promise.all([
      timed(['delete', 'pod', 'grace', '--timeout=60s']),
      timed(['delete', 'pod', 'override', '--grace-period=3', '--timeout=60s']),
      // Deleted with its own 120 s first, then again with 2 s while it is terminating.
      (async () => {
        await k(['delete', 'pod', 'shortened', '--wait=false']);
        await sleep(1000);
        return timed(['delete', 'pod', 'shortened', '--grace-period=2', '--timeout=60s']);
      })(),
    ]);
    assert.equal(readFileSync(join(trace, 'prestop'), 'utf8'), 'prestop ran\n');
    assert.ok(podGrace >= 4.5 && podGrace < 15, `pod with a 5 s grace period took ${podGrace} s to go`);
    assert.ok(override >= 2.5 && override < 15, `--grace-period=3 took ${override} s (the pod's own is 120 s)`);
    assert.ok(shortened >= 1.5 && shortened < 15, `a second delete with --grace-period=2 took ${shortened} s`);
    const evs = await events('grace');
    assert.ok(evs.includes('Killing: Stopping container main'), evs.join('\n'));
  });

  it('a failing postStart hook is reported and kills the container', async () => {
    const uid = (await getPod('badhook')).metadata.uid;
    const evs = await until('FailedPostStartHook', 30_000, async () => {
      const e = await events('badhook');
      return e.some((x) => x.startsWith('FailedPostStartHook:')) && e.includes('Killing: FailedPostStartHook') && e;
    });
    assert.ok(evs.includes(`FailedPostStartHook: Exec lifecycle hook ([sh -c echo nope >&2; exit 7]) for Container "main" in Pod "badhook_default(${uid})" failed - error: command 'sh -c echo nope >&2; exit 7' exited with 7: nope\n, message: "nope\\n"`), evs.join('\n'));
    const s = await until('badhook restarted', 30_000, async () => {
      const x = (await getPod('badhook')).status?.containerStatuses?.[0];
      return x?.restartCount >= 1 && x;
    });
    assert.ok(s.lastState.terminated, 'the killed instance is the last state');
  });

  it('a restarted kubelet keeps running containers and cleans up pods deleted while it was down', async () => {
    await k(['wait', '--for=condition=Ready', 'pod/steady', 'pod/gone-forced', 'pod/gone-graceful', '--timeout=60s']);
    const before = await getPod('steady');
    const forcedUid = (await getPod('gone-forced')).metadata.uid;
    const pid = kubeletPid(c!.process.pid!);
    assert.ok(pid, 'no kubelet child found');
    process.kill(pid, 'SIGSTOP');
    try {
      await k(['delete', 'pod', 'gone-forced', '--grace-period=0', '--force']);
      await k(['delete', 'pod', 'gone-graceful', '--wait=false']);
      await sleep(500);
      // Nothing acted while the kubelet was stopped.
      assert.equal((await cri!.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': forcedUid } })).length, 1);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
    await until('a new kubelet', 20_000, async () => { const p = kubeletPid(c!.process.pid!); return p && p !== pid; });
    await until('the forced pod\'s sandbox gone from the runtime', 60_000, async () =>
      (await cri!.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': forcedUid } })).items.length === 0);
    await until('the gracefully deleted pod gone', 60_000, async () => (await c!.kubectl(['get', 'pod', 'gone-graceful'])).stderr.includes('NotFound'));
    const after = await getPod('steady');
    const [was, now] = [before.status.containerStatuses[0], after.status.containerStatuses[0]];
    assert.equal(now.containerID, was.containerID);
    assert.equal(now.restartCount, 0);
    assert.equal(now.state.running.startedAt, was.state.running.startedAt);
    const mine = await cri!.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': after.metadata.uid } });
    assert.deepEqual(mine.map((x) => `containerd://${x.id}`), [was.containerID]);
    await k(['wait', '--for=condition=Ready', 'pod/steady', '--timeout=30s']);
    const id = now.containerID.slice('containerd://'.length);
    assert.equal((await cri!.execSync(id, ['cat', '/tmp/poststart'], 5)).stdout.toString(), 'hooked\n', 'the postStart hook ran');
    const evs = await events('steady');
    assert.equal(evs.filter((e) => e.startsWith('Started:')).length, 1, `started once: ${evs.join('; ')}`);
    assert.ok(evs.includes(`Pulled: Container image "${IMAGE}" already present on machine`), evs.join('\n'));
  });
});
