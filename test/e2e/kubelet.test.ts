// The real kubelet against a real containerd (CRI over gRPC), checked with
// the real kubectl: a pod runs with an IP from the node's pod CIDR, a
// failing pod with restartPolicy Never ends Failed with its exit code, init
// containers run before app containers, a crashing container goes into
// CrashLoopBackOff, and deleting a pod removes its containers from the
// runtime.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { get } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startCluster, destroyCluster, freePort, ROOT } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { startTestContainerd } from '../support/containerd.ts';
import type { TestContainerd } from '../support/containerd.ts';
import { CriClient } from '../../src/kubelet/cri/client.ts';
import { sleep, until } from '../support/wait.ts';

const NODE = 'kubelet-e2e';

function pod(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 2, ...spec } });
}

const BUSYBOX = 'k8ts.local/busybox:1';

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body));
    }).on('error', reject).on('timeout', function (this: any) { this.destroy(new Error('timeout')); });
  });
}

describe('kubelet on containerd', { timeout: 180_000 }, () => {
  let c: TestCluster;
  let cd: TestContainerd;
  let kubelet: ChildProcess;
  let kubeletLog = '';
  let cri: CriClient;

  before(async () => {
    [c, cd] = await Promise.all([startCluster(), startTestContainerd()]);
    cri = new CriClient(cd.endpoint);
    // Until main.ts routes `k8ts kubelet`, run its entry point directly, the way bin/k8ts would.
    const entry = `import { runKubelet } from ${JSON.stringify(join(ROOT, 'src/cmd/kubelet.ts'))}; process.exitCode = await runKubelet(process.argv.slice(1));`;
    kubelet = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', entry, '--',
      '--kubeconfig', c.kubeconfig, '--node-name', NODE, '--container-runtime-endpoint', cd.endpoint, '--pod-cidr', cd.podCIDR,
      '--root-dir', join(cd.dir, 'kubelet'), '--cni-bridge', cd.bridge, '--cgroup-root', cd.cgroupRoot], { stdio: ['ignore', 'pipe', 'pipe'] });
    kubelet.stdout!.on('data', (d) => { kubeletLog += d; });
    kubelet.stderr!.on('data', (d) => { kubeletLog += d; });
    await until('node Ready', 30_000, async () => {
      if (kubelet.exitCode !== null) throw new Error(`kubelet exited:\n${kubeletLog}`);
      return /\sReady\s/.test(await c.k(['get', 'node', NODE, '--no-headers']));
    });
  });

  after(async () => {
    if (kubelet && kubelet.exitCode === null) {
      const exited = new Promise((r) => kubelet.once('exit', r));
      kubelet.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      kubelet.kill('SIGKILL');
    }
    cri?.close();
    await cd?.cleanup();
    await destroyCluster(c);
    if (process.env.K8TS_TEST_LOG) process.stderr.write(kubeletLog);
  });

  it('registers the node with host capacity, runtime version and pod CIDR', async () => {
    const node = JSON.parse(await c.k(['get', 'node', NODE, '-o', 'json']));
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/\d/);
    assert.equal(node.status.capacity.pods, '110');
    assert.ok(Number(node.status.capacity.cpu) >= 1);
    assert.match(node.status.capacity.memory, /^\d+Ki$/);
    assert.equal(node.spec.podCIDR, cd.podCIDR);
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], NODE);
    assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
    const lease = JSON.parse(await c.k(['get', 'lease', '-n', 'kube-node-lease', NODE, '-o', 'json']));
    assert.equal(lease.spec.holderIdentity, NODE);
  });

  it('runs a pod: Running, with an IP from the pod CIDR, shown on the node', async () => {
    await c.k(['create', '-f', '-'], { input: pod('sleeper', { containers: [{ name: 'main', image: BUSYBOX, command: ['sleep', '3600'], env: [{ name: 'GREETING', value: 'hi' }] }] }) });
    await c.k(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=60s']);
    const p = JSON.parse(await c.k(['get', 'pod', 'sleeper', '-o', 'json']));
    assert.equal(p.status.phase, 'Running');
    const prefix = cd.podCIDR.split('.').slice(0, 3).join('.');
    assert.ok(p.status.podIP.startsWith(`${prefix}.`), `podIP ${p.status.podIP} not in ${cd.podCIDR}`);
    const cs = p.status.containerStatuses[0];
    assert.match(cs.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
    assert.match(cs.imageID, /^sha256:[0-9a-f]{64}$/);
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.ok(cs.state.running.startedAt);
    assert.deepEqual(p.status.conditions.map((x: any) => `${x.type}=${x.status}`).sort(),
      ['ContainersReady=True', 'Initialized=True', 'PodReadyToStartContainers=True', 'PodScheduled=True', 'Ready=True']);
    const wide = await c.k(['get', 'pod', 'sleeper', '-o', 'wide']);
    assert.match(wide, new RegExp(`^sleeper\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${p.status.podIP.replaceAll('.', '\\.')}\\s+${NODE}\\s`, 'm'));
    // The container really runs with the pod's env.
    const r = await cri.execSync(cs.containerID.slice('containerd://'.length), ['sh', '-c', 'echo $GREETING; hostname'], 5);
    assert.equal(r.stdout.toString(), 'hi\nsleeper\n');
  });

  it('ends a restartPolicy Never pod Failed with the exit code and reason Error', async () => {
    await c.k(['create', '-f', '-'], { input: pod('exit3', { restartPolicy: 'Never', containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', 'exit 3'] }] }) });
    await c.k(['wait', '--for=jsonpath={.status.phase}=Failed', 'pod/exit3', '--timeout=60s']);
    const p = JSON.parse(await c.k(['get', 'pod', 'exit3', '-o', 'json']));
    const t = p.status.containerStatuses[0].state.terminated;
    assert.equal(t.exitCode, 3);
    assert.equal(t.reason, 'Error');
    assert.equal(p.status.containerStatuses[0].restartCount, 0);
    assert.match(await c.k(['get', 'pod', 'exit3']), /^exit3\s+0\/1\s+Error\s+0\s/m);
  });

  it('runs init containers in order before the app container', async () => {
    await c.k(['create', '-f', '-'], {
      input: pod('inits', {
        restartPolicy: 'Never',
        initContainers: [
          { name: 'one', image: BUSYBOX, command: ['sh', '-c', 'sleep 1'] },
          { name: 'two', image: BUSYBOX, command: ['sh', '-c', 'exit 0'] },
        ],
        containers: [{ name: 'app', image: BUSYBOX, command: ['sh', '-c', 'exit 0'] }],
      }),
    });
    await c.k(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/inits', '--timeout=60s']);
    const p = JSON.parse(await c.k(['get', 'pod', 'inits', '-o', 'json']));
    const [one, two] = p.status.initContainerStatuses.map((s: any) => s.state.terminated);
    const app = p.status.containerStatuses[0].state.terminated;
    assert.equal(one.reason, 'Completed');
    assert.equal(two.reason, 'Completed');
    assert.equal(app.reason, 'Completed');
    assert.ok(one.finishedAt <= two.startedAt, `init two started ${two.startedAt} before one finished ${one.finishedAt}`);
    assert.ok(two.finishedAt <= app.startedAt, `app started ${app.startedAt} before init two finished ${two.finishedAt}`);
    assert.match(await c.k(['get', 'pod', 'inits']), /^inits\s+0\/1\s+Completed\s/m);
  });

  it('backs off a crashing container: restartCount grows and CrashLoopBackOff shows', async () => {
    await c.k(['create', '-f', '-'], { input: pod('crasher', { containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', 'exit 1'] }] }) });
    const p = await until('CrashLoopBackOff', 40_000, async () => {
      const x = JSON.parse(await c.k(['get', 'pod', 'crasher', '-o', 'json']));
      const s = x.status?.containerStatuses?.[0];
      return s?.restartCount >= 1 && s.state.waiting?.reason === 'CrashLoopBackOff' ? x : undefined;
    });
    const s = p.status.containerStatuses[0];
    assert.match(s.state.waiting.message, new RegExp(`^back-off \\d+s restarting failed container=main pod=crasher_default\\(${p.metadata.uid}\\)$`));
    assert.equal(s.lastState.terminated.exitCode, 1);
    assert.equal(s.lastState.terminated.reason, 'Error');
    assert.equal(p.status.phase, 'Running');
    assert.match(await c.k(['get', 'pod', 'crasher']), /^crasher\s+0\/1\s+CrashLoopBackOff\s+\d+/m);
  });

  it('reports ErrImagePull, then ImagePullBackOff, for an image no registry has', async () => {
    await c.k(['create', '-f', '-'], { input: pod('nopull', { containers: [{ name: 'main', image: 'k8ts.invalid/none:1' }] }) });
    const reasons = new Set<string>();
    await until('ImagePullBackOff', 40_000, async () => {
      const x = JSON.parse(await c.k(['get', 'pod', 'nopull', '-o', 'json']));
      const w = x.status?.containerStatuses?.[0]?.state?.waiting;
      if (w?.reason) reasons.add(w.reason);
      // Upstream (1.33) appends the last pull error to the back-off message.
      if (w?.reason === 'ImagePullBackOff') assert.match(w.message, /^Back-off pulling image "k8ts\.invalid\/none:1": ErrImagePull: /);
      return reasons.has('ImagePullBackOff');
    });
    assert.equal(JSON.parse(await c.k(['get', 'pod', 'nopull', '-o', 'json'])).status.phase, 'Pending');
    await c.k(['delete', 'pod', 'nopull', '--timeout=30s']);
  });

  it('readiness follows an exec probe; an httpGet probe reaches the pod IP', async () => {
    await c.k(['create', '-f', '-'], {
      input: pod('probed', {
        containers: [
          { name: 'gate', image: BUSYBOX, command: ['sleep', '3600'], readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 } },
          { name: 'web', image: BUSYBOX, command: ['sh', '-c', 'echo ok > /tmp/index.html && exec httpd -f -p 8080 -h /tmp'], readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } },
        ],
      }),
    });
    const notReady = await until('containers running, gate unready', 40_000, async () => {
      const x = JSON.parse(await c.k(['get', 'pod', 'probed', '-o', 'json']));
      const [gate, web] = x.status?.containerStatuses ?? [];
      return gate?.state?.running && web?.ready === true && gate.ready === false ? x : undefined;
    });
    assert.equal(notReady.status.conditions.find((x: any) => x.type === 'Ready').message, 'containers with unready status: [gate]');
    const id = notReady.status.containerStatuses[0].containerID.slice('containerd://'.length);
    await cri.execSync(id, ['touch', '/tmp/ready'], 5);
    await c.k(['wait', '--for=condition=Ready', 'pod/probed', '--timeout=30s']);
    assert.match(await c.k(['get', 'pod', 'probed']), /^probed\s+2\/2\s+Running\s+0\s/m);
    await c.k(['delete', 'pod', 'probed', '--timeout=30s']);
  });

  it('publishes a hostPort on the node IP through portmap, and removes its rules with the pod', async () => {
    const hostPort = await freePort();
    await c.k(['create', '-f', '-'], {
      input: pod('hostport', { containers: [{ name: 'web', image: BUSYBOX, command: ['sh', '-c', 'echo hostport-ok > /tmp/index.html && exec httpd -f -p 80 -h /tmp'], ports: [{ containerPort: 80, hostPort }] }] }),
    });
    await c.k(['wait', '--for=condition=Ready', 'pod/hostport', '--timeout=60s']);
    const node = JSON.parse(await c.k(['get', 'node', NODE, '-o', 'json']));
    const ip = node.status.addresses.find((a: any) => a.type === 'InternalIP').address;
    const body = await until('the hostPort answers', 20_000, () => httpGet(`http://${ip}:${hostPort}/`));
    assert.equal(body, 'hostport-ok\n');
    const rules = () => execFileSync('iptables-save', ['-t', 'nat']).toString().split('\n').filter((l) => l.includes(`--dport ${hostPort}`));
    assert.ok(rules().length > 0, 'portmap added no DNAT rule');
    await c.k(['delete', 'pod', 'hostport', '--timeout=30s']);
    assert.deepEqual(rules(), []);
  });

  it('deleting a pod stops and removes its containers and sandbox', async () => {
    const uid = JSON.parse(await c.k(['get', 'pod', 'sleeper', '-o', 'json'])).metadata.uid;
    const mine = { 'io.kubernetes.pod.uid': uid };
    assert.equal((await cri.listContainers({ labelSelector: mine })).length, 1);
    assert.match(await c.k(['delete', 'pod', 'sleeper', '--timeout=30s']), /pod "sleeper" deleted/);
    assert.deepEqual(await cri.listContainers({ labelSelector: mine }), []);
    assert.deepEqual((await cri.listPodSandbox({ labelSelector: mine })).items, []);
    const gone = await c.kubectl(['get', 'pod', 'sleeper']);
    assert.match(gone.stderr, /NotFound/);
  });
});
