// securityContext and sidecar containers on a real node (k8ts server with
// its own containerd), checked with the real kubectl: `id` reports the
// runAsUser/runAsGroup/fsGroup ids, a read-only root filesystem refuses
// writes, capabilities and allowPrivilegeEscalation reach the process,
// seccompProfile reaches the process (RuntimeDefault and a Localhost
// profile from the kubelet's seccomp directory filter syscalls, Unconfined
// and no profile do not), runAsNonRoot with an image that runs as root stops at
// CreateContainerConfigError with upstream's message, and a sidecar (an
// init container with restartPolicy Always) runs beside the app container
// in a Running, Ready pod (the next init container waits for its startup
// probe), is restarted when it exits, and is stopped only
// after the app container on deletion. Run under the node lock.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, destroyCluster, waitNodeReady } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';

const NODE = 'e2e-security';
const IMAGE = 'k8ts.local/busybox:1';
const LOOP = ['sh', '-c', 'while true; do sleep 1; done'];

function pod(name: string, spec: any): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, ...spec } });
}

describe('kubelet securityContext and sidecars', { timeout: 150_000 }, () => {
  let c: TestCluster | undefined;
  const k = (args: string[], input?: string) => c!.k(args, input === undefined ? {} : { input });
  const getPod = async (name: string) => JSON.parse(await k(['get', 'pod', name, '-o', 'json']));
  const phase = async (name: string) => (await getPod(name)).status?.phase;
  const trace = mkdtempSync(join(tmpdir(), 'k8ts-sidecar-'));

  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.195.0.0/16'] });
    await waitNodeReady(c!, NODE);
    // A Localhost profile that refuses mkdir, in <kubelet root>/seccomp as upstream lays it out.
    const profiles = join(c!.dataDir, 'agent', 'kubelet', 'seccomp', 'profiles');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'no-mkdir.json'), JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
    }));
    const status = ['sh', '-c', 'grep ^Seccomp: /proc/self/status; mkdir /tmp/d && echo made'];
    await Promise.all([
      k(['create', '-f', '-'], pod('seccomp', {
        restartPolicy: 'Never', securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          { name: 'runtime', image: IMAGE, command: status },
          { name: 'open', image: IMAGE, command: status, securityContext: { seccompProfile: { type: 'Unconfined' } } },
          { name: 'local', image: IMAGE, command: status, securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/no-mkdir.json' } } },
        ],
      })),
      k(['create', '-f', '-'], pod('noseccomp', { restartPolicy: 'Never', containers: [{ name: 'c', image: IMAGE, command: status }] })),
      k(['create', '-f', '-'], pod('ids', {
        restartPolicy: 'Never', securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000 },
        containers: [{ name: 'id', image: IMAGE, command: ['id'] }],
      })),
      k(['create', '-f', '-'], pod('rofs', {
        restartPolicy: 'Never',
        containers: [{ name: 'w', image: IMAGE, command: ['sh', '-c', 'touch /x; echo rc=$?'], securityContext: { readOnlyRootFilesystem: true } }],
      })),
      k(['create', '-f', '-'], pod('caps', {
        restartPolicy: 'Never',
        containers: [{
          name: 'c', image: IMAGE, command: ['grep', '-E', '^(CapEff|NoNewPrivs):', '/proc/self/status'],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
        }],
      })),
      k(['create', '-f', '-'], pod('nonroot', {
        securityContext: { runAsNonRoot: true },
        containers: [{ name: 'app', image: IMAGE, command: LOOP }],
      })),
      k(['create', '-f', '-'], pod('sidecar', {
        initContainers: [
          {
            // Started only once its startup probe passes, 2 s in: setup must wait for that.
            name: 'side', image: IMAGE, restartPolicy: 'Always', command: ['sh', '-c', 'sleep 2; touch /tmp/up; while true; do sleep 1; done'],
            startupProbe: { exec: { command: ['test', '-f', '/tmp/up'] }, periodSeconds: 1, failureThreshold: 30 },
          },
          { name: 'setup', image: IMAGE, command: ['true'] },
        ],
        containers: [{ name: 'app', image: IMAGE, command: LOOP }],
      })),
      // The app's preStop is slower than the sidecar's: only the ordered stop writes "app" first.
      k(['create', '-f', '-'], pod('ordered', {
        terminationGracePeriodSeconds: 10,
        volumes: [{ name: 'trace', hostPath: { path: trace, type: 'Directory' } }],
        initContainers: [{
          name: 'flaky', image: IMAGE, restartPolicy: 'Always', command: ['sh', '-c', 'sleep 2; exit 1'],
          volumeMounts: [{ name: 'trace', mountPath: '/trace' }],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo side >> /trace/order'] } } },
        }, {
          name: 'side', image: IMAGE, restartPolicy: 'Always', command: LOOP, volumeMounts: [{ name: 'trace', mountPath: '/trace' }],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo side >> /trace/order'] } } },
        }],
        containers: [{
          name: 'app', image: IMAGE, command: LOOP, volumeMounts: [{ name: 'trace', mountPath: '/trace' }],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 1; echo app >> /trace/order'] } } },
        }],
      })),
    ]);
  });

  after(async () => {
    if (c) {
      await c.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s', '--grace-period=1']);
      if (process.env.K8TS_TEST_LOG) process.stderr.write(c.logs());
      await destroyCluster(c);
    }
    rmSync(trace, { recursive: true, force: true });
  });

  it('id prints runAsUser, runAsGroup and fsGroup', async () => {
    await until('ids to finish', 60_000, async () => (await phase('ids')) === 'Succeeded');
    const out = await k(['logs', 'ids']);
    assert.match(out, /^uid=1000 gid=3000 groups=.*\b2000\b/m);
  });

  it('readOnlyRootFilesystem refuses writes to /', async () => {
    await until('rofs to finish', 60_000, async () => (await phase('rofs')) === 'Succeeded');
    const out = await k(['logs', 'rofs']);
    assert.match(out, /Read-only file system/);
    assert.match(out, /rc=1/);
  });

  it('capabilities drop ALL add NET_BIND_SERVICE, and allowPrivilegeEscalation: false sets no_new_privs', async () => {
    await until('caps to finish', 60_000, async () => (await phase('caps')) === 'Succeeded');
    const out = await k(['logs', 'caps']);
    assert.match(out, /^CapEff:\s+0000000000000400$/m);
    assert.match(out, /^NoNewPrivs:\s+1$/m);
  });

  it('seccompProfile: RuntimeDefault and Localhost filter (mode 2), Unconfined and none do not (mode 0)', async () => {
    // The Localhost container's mkdir fails, so that pod ends Failed.
    await until('seccomp pods to finish', 60_000, async () => ['Succeeded', 'Failed'].includes(await phase('seccomp')) && (await phase('noseccomp')) === 'Succeeded');
    const logs = async (p: string, ct: string) => k(['logs', p, '-c', ct]);
    assert.match(await logs('seccomp', 'runtime'), /^Seccomp:\s+2$/m);
    assert.match(await logs('seccomp', 'runtime'), /^made$/m);
    assert.match(await logs('seccomp', 'open'), /^Seccomp:\s+0$/m);
    const local = await logs('seccomp', 'local');
    assert.match(local, /^Seccomp:\s+2$/m);
    assert.match(local, /Operation not permitted/);
    assert.doesNotMatch(local, /^made$/m);
    assert.match(await logs('noseccomp', 'c'), /^Seccomp:\s+0$/m);
  });

  it('runAsNonRoot with an image that runs as root: CreateContainerConfigError', async () => {
    let waiting: any;
    await until('nonroot to be refused', 60_000, async () => {
      waiting = (await getPod('nonroot')).status?.containerStatuses?.[0]?.state?.waiting;
      return waiting?.reason === 'CreateContainerConfigError';
    });
    const uid = (await getPod('nonroot')).metadata.uid;
    assert.equal(waiting.message, `container has runAsNonRoot and image will run as root (pod: "nonroot_default(${uid})", container: app)`);
    assert.equal(await phase('nonroot'), 'Pending');
  });

  it('a sidecar runs beside the app container; the pod is Running and Ready', async () => {
    let p: any;
    await until('sidecar pod Ready', 60_000, async () => {
      p = await getPod('sidecar');
      return p.status?.conditions?.find((x: any) => x.type === 'Ready')?.status === 'True';
    });
    assert.equal(p.status.phase, 'Running');
    const [side, setup] = p.status.initContainerStatuses;
    assert.equal(side.name, 'side');
    assert.ok(side.state.running, JSON.stringify(side.state));
    assert.equal(side.started, true);
    assert.equal(side.ready, true);
    assert.equal(setup.state.terminated?.exitCode, 0);
    const gap = Date.parse(setup.state.terminated.startedAt) - Date.parse(side.state.running.startedAt);
    assert.ok(gap >= 1000, `setup started ${gap} ms after the sidecar, before its startup probe passed`);
    assert.ok(p.status.containerStatuses[0].state.running);
    assert.equal(p.status.conditions.find((x: any) => x.type === 'Initialized').status, 'True');
  });

  it('a sidecar that exits is restarted while the app keeps running; on deletion it stops after the app', async () => {
    let p: any;
    await until('the flaky sidecar to restart', 60_000, async () => {
      p = await getPod('ordered');
      return (p.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1 && !!p.status?.containerStatuses?.[0]?.state?.running;
    });
    assert.equal(p.status.phase, 'Running');
    assert.equal(p.status.containerStatuses[0].restartCount, 0);
    await until('the steady sidecar to run', 30_000, async () => !!(await getPod('ordered')).status?.initContainerStatuses?.[1]?.state?.running);
    await k(['delete', 'pod', 'ordered', '--wait=true', '--timeout=60s']);
    const lines = readFileSync(join(trace, 'order'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'app', lines.join(','));
    assert.ok(lines.slice(1).every((l) => l === 'side') && lines.length >= 2, lines.join(','));
  });
});
