import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodWorker } from './pod-worker.ts';
import type { WorkerContext } from './pod-worker.ts';
import { Backoff } from './backoff.ts';
import { LABEL_CONTAINER_NAME } from './spec.ts';
import { removeCgroupTree } from './containerd/daemon.ts';

/** A runtime in memory that records the order of the CRI calls made to it. */
function fakeRuntime() {
  const calls: string[] = [];
  const sandboxes: any[] = [];
  const containers: any[] = [];
  const cri = {
    async listPodSandbox() {
      calls.push('ListPodSandbox');
      return { items: sandboxes };
    },
    async listContainers() {
      calls.push('ListContainers');
      return containers;
    },
    async containerStatus(id: string) {
      calls.push('ContainerStatus');
      return containers.find((c) => c.id === id);
    },
    async podSandboxStatus(id: string) {
      calls.push('PodSandboxStatus');
      return { id, state: 'SANDBOX_READY', network: { ip: '10.1.0.9', additionalIps: [] } };
    },
    async runPodSandbox(config: any) {
      calls.push('RunPodSandbox');
      sandboxes.push({ id: 'sb1', state: 'SANDBOX_READY', metadata: config.metadata, labels: config.labels ?? {}, createdAt: '1' });
      return 'sb1';
    },
    async imageStatus() {
      calls.push('ImageStatus');
      return { id: 'sha256:img', repoTags: ['busybox:1'], repoDigests: [] };
    },
    async createContainer(_sb: string, config: any) {
      calls.push('CreateContainer');
      const now = String(BigInt(Date.now()) * 1_000_000n);
      containers.push({
        id: 'c1', podSandboxId: 'sb1', state: 'CONTAINER_CREATED', metadata: config.metadata, image: config.image, imageRef: 'sha256:img',
        labels: { ...config.labels, [LABEL_CONTAINER_NAME]: config.metadata.name }, createdAt: now, startedAt: '0', finishedAt: '0', exitCode: 0,
      });
      return 'c1';
    },
    async startContainer(id: string) {
      calls.push('StartContainer');
      const c = containers.find((x) => x.id === id);
      c.state = 'CONTAINER_RUNNING';
      c.startedAt = String(BigInt(Date.now()) * 1_000_000n);
    },
  };
  return { cri, calls };
}

describe('pod worker, first sync', () => {
  const root = mkdtempSync(join(tmpdir(), 'pw-'));
  const cgroupRoot = `/k8ts-unit-${process.pid}`;
  after(() => {
    removeCgroupTree(cgroupRoot);
    rmSync(root, { recursive: true, force: true });
  });

  const run = async (knownEmpty: boolean) => {
    const { cri, calls } = fakeRuntime();
    const posted: any[] = [];
    const pod = {
      metadata: { name: 'p', namespace: 'default', uid: `uid-${knownEmpty}`, resourceVersion: '1' },
      spec: { nodeName: 'n1', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox:1', imagePullPolicy: 'IfNotPresent' }] },
      status: { phase: 'Pending' },
    };
    const client = {
      async patch(_r: unknown, _ns: string, _name: string, body: any) {
        posted.push(body.status);
        return { ...pod, status: body.status };
      },
    };
    const ctx = {
      client, cri, hostIP: '192.0.2.1', now: () => new Date(), log: () => {},
      restartBackoff: new Backoff(), pullBackoff: new Backoff(), rootDir: root,
      recorder: { event() {} }, services: { list: () => [], get: () => undefined },
      sandbox: { logRoot: join(root, 'logs/pods'), cgroupRoot, clusterDomain: 'cluster.local', seccompRoot: join(root, 'seccomp') },
    } as unknown as WorkerContext;
    await new PodWorker(pod, ctx, { knownEmpty }).sync();
    return { calls, posted };
  };

  it('with the relist showing nothing of the pod, goes straight to RunPodSandbox and reports Running', async () => {
    const { calls, posted } = await run(true);
    assert.equal(calls[0], 'RunPodSandbox');
    assert.ok(calls.indexOf('StartContainer') > calls.indexOf('CreateContainer'));
    assert.equal(calls.filter((x) => x === 'ImageStatus').length, 1, 'the status read to check the image serves the runAsNonRoot check too');
    assert.equal(calls.filter((x) => x === 'PodSandboxStatus').length, 1, 'a sandbox\'s IPs are read once: they do not change while it lives');
    assert.equal(posted.at(-1)?.phase, 'Running');
    assert.equal(posted.at(-1)?.podIP, '10.1.0.9');
  });

  it('without that knowledge, reads the runtime first (a restarted kubelet must find what is there)', async () => {
    const { calls, posted } = await run(false);
    assert.deepEqual(calls.slice(0, 2), ['ListPodSandbox', 'ListContainers']);
    assert.ok(calls.includes('RunPodSandbox'));
    assert.equal(posted.at(-1)?.phase, 'Running');
  });
});

