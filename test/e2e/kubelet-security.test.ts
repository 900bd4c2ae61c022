// securityContext and sidecar containers on a real node (k8ts server with
// its own containerd), checked with the real kubectl: `id` reports the
// runAsUser/runAsGroup/fsGroup ids, a read-only root filesystem refuses
// writes, runAsNonRoot with an image that runs as root stops at
// CreateContainerConfigError with upstream's message, and a sidecar (an
// init container with restartPolicy Always) runs beside the app container
// in a Running, Ready pod. Run under the node lock.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, destroyCluster } from '../support/cluster.ts';
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

  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.195.0.0/16'] });
    await until('the node to be Ready', 60_000, async () => {
      const r = await c!.kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout === 'True';
    });
    await Promise.all([
      k(['create', '-f', '-'], pod('ids', {
        restartPolicy: 'Never', securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000 },
        containers: [{ name: 'id', image: IMAGE, command: ['id'] }],
      })),
      k(['create', '-f', '-'], pod('rofs', {
        restartPolicy: 'Never',
        containers: [{ name: 'w', image: IMAGE, command: ['sh', '-c', 'touch /x; echo rc=$?'], securityContext: { readOnlyRootFilesystem: true } }],
      })),
      k(['create', '-f', '-'], pod('nonroot', {
        securityContext: { runAsNonRoot: true },
        containers: [{ name: 'app', image: IMAGE, command: LOOP }],
      })),
      k(['create', '-f', '-'], pod('sidecar', {
        initContainers: [
          { name: 'side', image: IMAGE, restartPolicy: 'Always', command: LOOP },
          { name: 'setup', image: IMAGE, command: ['true'] },
        ],
        containers: [{ name: 'app', image: IMAGE, command: LOOP }],
      })),
    ]);
  });

  after(async () => {
    if (c) {
      await c.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s', '--grace-period=1']);
      if (process.env.K8TS_TEST_LOG) process.stderr.write(c.logs());
      await destroyCluster(c);
    }
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
    assert.ok(p.status.containerStatuses[0].state.running);
    assert.equal(p.status.conditions.find((x: any) => x.type === 'Initialized').status, 'True');
  });
});
