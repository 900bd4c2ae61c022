// Pod status with sidecar (restartPolicy Always) init containers: phase,
// readiness, and the Initialized/Ready conditions as upstream reports them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podPhase, podStatus } from './status.ts';
import type { PodRuntimeView } from './status.ts';
import type { CriContainerStatus } from './cri/client.ts';

function cri(name: string, state: CriContainerStatus['state'], exitCode = 0, attempt = 0): CriContainerStatus {
  return {
    id: `${name}-${attempt}`, metadata: { name, attempt }, state, createdAt: '1', startedAt: '1700000000000000000',
    finishedAt: state === 'CONTAINER_EXITED' ? '1700000005000000000' : '0', exitCode, image: { image: 'img' }, imageRef: 'sha256:abc',
    reason: '', message: '', labels: {}, annotations: {},
  };
}

function view(list: CriContainerStatus[], opts: { started?: Record<string, boolean>; readiness?: Record<string, boolean>; waiting?: Record<string, any> } = {}): PodRuntimeView {
  const instances = new Map<string, CriContainerStatus[]>();
  for (const s of list) instances.set(s.metadata.name, [...(instances.get(s.metadata.name) ?? []), s]);
  return {
    sandboxReady: true, podIPs: ['10.42.0.5'], hostIP: '192.168.1.2', instances,
    waiting: new Map(Object.entries(opts.waiting ?? {})), readiness: new Map(Object.entries(opts.readiness ?? {})), started: new Map(Object.entries(opts.started ?? {})),
  };
}

const pod = (restartPolicy = 'Always') => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: {
    restartPolicy,
    initContainers: [{ name: 'side', image: 'img', restartPolicy: 'Always' }, { name: 'setup', image: 'img' }],
    containers: [{ name: 'app', image: 'img' }],
  },
  status: {},
});
const cond = (s: any, type: string) => s.conditions.find((x: any) => x.type === type);

describe('pod status with a sidecar', () => {
  it('sidecar running, next init container running: Pending, not initialized', () => {
    const s = podStatus(pod(), view([cri('side', 'CONTAINER_RUNNING'), cri('setup', 'CONTAINER_RUNNING')]), new Date());
    assert.equal(s.phase, 'Pending');
    assert.equal(cond(s, 'Initialized').message, 'containers with incomplete status: [setup]');
    assert.equal(s.initContainerStatuses[0].ready, true);
    assert.equal(s.initContainerStatuses[0].started, true);
    assert.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'PodInitializing' } });
  });
  it('sidecar whose startup probe has not passed keeps the pod uninitialized', () => {
    const s = podStatus(pod(), view([cri('side', 'CONTAINER_RUNNING')], { started: { side: false } }), new Date());
    assert.equal(s.phase, 'Pending');
    assert.equal(cond(s, 'Initialized').message, 'containers with incomplete status: [side setup]');
    assert.equal(s.initContainerStatuses[0].ready, false);
  });
  it('sidecar and app running: Running, Initialized and Ready', () => {
    const s = podStatus(pod(), view([cri('side', 'CONTAINER_RUNNING'), cri('setup', 'CONTAINER_EXITED'), cri('app', 'CONTAINER_RUNNING')]), new Date());
    assert.equal(s.phase, 'Running');
    assert.deepEqual(s.conditions.map((x: any) => x.status), ['True', 'True', 'True', 'True', 'True']);
    assert.ok(s.initContainerStatuses[0].state.running);
  });
  it('an unready sidecar makes the pod unready and is named first', () => {
    const v = view([cri('side', 'CONTAINER_RUNNING'), cri('setup', 'CONTAINER_EXITED'), cri('app', 'CONTAINER_RUNNING')], { readiness: { side: false, app: false } });
    const s = podStatus(pod(), v, new Date());
    assert.equal(cond(s, 'Ready').message, 'containers with unready status: [side app]');
  });
  it('a sidecar in back-off after the app started: still initialized, Running, not ready', () => {
    const v = view([cri('side', 'CONTAINER_EXITED', 1), cri('setup', 'CONTAINER_EXITED'), cri('app', 'CONTAINER_RUNNING')],
      { waiting: { side: { reason: 'CrashLoopBackOff', message: 'back-off' } } });
    const s = podStatus(pod(), v, new Date());
    assert.equal(s.phase, 'Running');
    assert.equal(cond(s, 'Initialized').status, 'True');
    assert.equal(cond(s, 'Ready').status, 'False');
  });
  it('the app finished for good (Never): Succeeded although the sidecar still runs', () => {
    const s = podStatus(pod('Never'), view([cri('side', 'CONTAINER_RUNNING'), cri('setup', 'CONTAINER_EXITED'), cri('app', 'CONTAINER_EXITED')]), new Date());
    assert.equal(s.phase, 'Succeeded');
  });
  it('podPhase: a sidecar that exited is ignored; one never started keeps the pod Pending', () => {
    const running = { state: { running: {} }, started: true, lastState: {} };
    const exited = { state: { terminated: { exitCode: 137 } }, lastState: {} };
    const waiting = { state: { waiting: { reason: 'PodInitializing' } }, lastState: {} };
    const ok = { state: { terminated: { exitCode: 0 } }, lastState: {} };
    assert.equal(podPhase(pod(), [exited, ok], [running]), 'Running');
    assert.equal(podPhase(pod(), [waiting, waiting], [waiting]), 'Pending');
    assert.equal(podPhase(pod('OnFailure'), [running, ok], [ok]), 'Succeeded');
    assert.equal(podPhase(pod('Always'), [running, ok], [ok]), 'Running');
  });
});
