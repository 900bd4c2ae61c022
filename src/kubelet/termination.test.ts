import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { killContainer, podGracePeriod, stopPod } from './termination.ts';
import { runHook } from './hooks.ts';

const pod = (spec: any = {}, meta: any = {}) => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u', ...meta }, spec });

function fakeCri(execExit = 0, execDelayMs = 0) {
  const calls: string[] = [];
  const cri = {
    execSync: async (id: string, cmd: string[]) => {
      calls.push(`exec ${id} ${cmd.join(' ')}`);
      await new Promise((r) => setTimeout(r, execDelayMs));
      return { stdout: Buffer.from('said'), stderr: Buffer.from(' bye'), exitCode: execExit };
    },
    stopContainer: async (id: string, t: number) => { calls.push(`stop ${id} ${t}`); },
    stopPodSandbox: async (id: string) => { calls.push(`stopSandbox ${id}`); },
    removeContainer: async (id: string) => { calls.push(`remove ${id}`); },
    removePodSandbox: async (id: string) => { calls.push(`removeSandbox ${id}`); },
  };
  return { cri: cri as any, calls };
}

function ctx(cri: any) {
  const events: string[] = [];
  return { k: { cri, log: (_msg: string): void => {}, event: (t: string, r: string, m: string) => events.push(`${t} ${r} ${m}`) }, events };
}

describe('killContainer', () => {
  it('Killing event, preStop exec, then StopContainer with the grace left (at least 2 s)', async () => {
    const { cri, calls } = fakeCri();
    const { k, events } = ctx(cri);
    const c = { name: 'web', lifecycle: { preStop: { exec: { command: ['sh', '-c', 'bye'] } } } };
    await killContainer(k, { pod: pod(), container: c, status: { id: 'c1' }, gracePeriod: 30, podIP: '' });
    assert.deepEqual(calls, ['exec c1 sh -c bye', 'stop c1 30']);
    assert.deepEqual(events, ['Normal Killing Stopping container web']);
    calls.length = 0;
    await killContainer(k, { pod: pod(), container: c, status: { id: 'c1' }, gracePeriod: 0, podIP: '', message: 'custom' });
    assert.deepEqual(calls, ['stop c1 2'], 'no preStop without grace, and the minimum window');
    assert.equal(events[1], 'Normal Killing custom');
  });

  it('a preStop sleep uses up grace; a failing preStop records FailedPreStopHook and still stops', async () => {
    const { cri, calls } = fakeCri(3);
    const { k, events } = ctx(cri);
    await killContainer(k, { pod: pod(), container: { name: 'a', lifecycle: { preStop: { sleep: { seconds: 1 } } } }, status: { id: 'c1' }, gracePeriod: 5, podIP: '' });
    assert.deepEqual(calls, ['stop c1 4']);
    await killContainer(k, { pod: pod(), container: { name: 'b', lifecycle: { preStop: { exec: { command: ['x', 'y'] } } } }, status: { id: 'c2' }, gracePeriod: 5, podIP: '' });
    assert.equal(events[2], 'Warning FailedPreStopHook Exec lifecycle hook ([x y]) for Container "b" in Pod "p_ns(u)" failed - error: command \'x y\' exited with 3:  bye, message: "said bye"');
    assert.equal(calls.at(-1), 'stop c2 5');
  });

  it('a preStop that outlasts the grace period is given up on', async () => {
    const { cri, calls } = fakeCri(0, 3000);
    const { k, events } = ctx(cri);
    const logs: string[] = [];
    k.log = (msg: string) => { logs.push(msg); };
    const began = Date.now();
    await killContainer(k, { pod: pod(), container: { name: 'a', lifecycle: { preStop: { exec: { command: ['slow'] } } } }, status: { id: 'c1' }, gracePeriod: 1, podIP: '' });
    assert.ok(Date.now() - began < 2500);
    assert.equal(calls.at(-1), 'stop c1 2');
    assert.deepEqual(events, ['Normal Killing Stopping container a'], 'a hook cut short by the grace period is only logged, as upstream');
    assert.deepEqual(logs, ['preStop hook not completed in grace period']);
  });

  it('stopPod kills running containers with their specs, then stops and removes sandboxes', async () => {
    const { cri, calls } = fakeCri();
    const { k } = ctx(cri);
    const p = pod({ containers: [{ name: 'a', lifecycle: { preStop: { exec: { command: ['hook'] } } } }, { name: 'b' }] });
    const v = {
      sandboxes: [{ id: 's1' }] as any, ips: ['10.0.0.5'], ready: true,
      instances: new Map<string, any[]>([['a', [{ id: 'a1', state: 'CONTAINER_RUNNING' }]], ['b', [{ id: 'b2', state: 'CONTAINER_CREATED' }, { id: 'b1', state: 'CONTAINER_EXITED' }]]]),
    };
    await stopPod(k, p, v, 10, true);
    assert.deepEqual(calls, ['exec a1 hook', 'stop b2 0', 'stop a1 10', 'stopSandbox s1', 'remove a1', 'remove b2', 'remove b1', 'removeSandbox s1']);
  });

  it('podGracePeriod: the deletion grace period while deleting, else the spec (default 30)', () => {
    assert.equal(podGracePeriod(pod({})), 30);
    assert.equal(podGracePeriod(pod({ terminationGracePeriodSeconds: 5 })), 5);
    assert.equal(podGracePeriod(pod({ terminationGracePeriodSeconds: 5 }, { deletionTimestamp: 'x', deletionGracePeriodSeconds: 1 })), 1);
  });
});

describe('runHook', () => {
  it('httpGet hits the pod IP; any answer succeeds, a refused connection fails with upstream text', async () => {
    const paths: string[] = [];
    const s = createServer((req, res) => { paths.push(req.url!); res.statusCode = 500; res.end(); });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    const t = { cri: {} as any, pod: pod(), container: { name: 'c' }, containerId: 'x', podIP: '127.0.0.1' };
    assert.equal(await runHook({ httpGet: { path: '/bye', port } }, t, 5), undefined);
    assert.deepEqual(paths, ['/bye']);
    await new Promise((r) => s.close(r));
    assert.equal(await runHook({ httpGet: { path: '/bye', port } }, t, 5),
      `HTTP lifecycle hook (/bye) for Container "c" in Pod "p_ns(u)" failed - error: Get "http://127.0.0.1:${port}/bye": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });
});
