import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podPhase, podStatus, containerStatus } from './status.ts';
import type { PodRuntimeView } from './status.ts';
import type { CriContainerStatus } from './cri/client.ts';

const running = { state: { running: { startedAt: 'x' } }, lastState: {} };
const ok = { state: { terminated: { exitCode: 0 } }, lastState: {} };
const bad = { state: { terminated: { exitCode: 2 } }, lastState: {} };
const creating = { state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} };
const backoff = { state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } };
const p = (restartPolicy: string) => ({ spec: { restartPolicy } });

describe('podPhase (upstream getPhase)', () => {
  const cases: [string, string, any[], any[], string][] = [
    ['no containers started yet', 'Always', [], [creating], 'Pending'],
    ['one running', 'Always', [], [running], 'Running'],
    ['running and waiting', 'Always', [], [running, creating], 'Pending'],
    ['all succeeded, Never', 'Never', [], [ok, ok], 'Succeeded'],
    ['all succeeded, OnFailure', 'OnFailure', [], [ok], 'Succeeded'],
    ['all succeeded, Always restarts', 'Always', [], [ok], 'Running'],
    ['one failed, Never', 'Never', [], [ok, bad], 'Failed'],
    ['one failed, OnFailure restarts', 'OnFailure', [], [bad], 'Running'],
    ['crash loop counts as stopped, Always', 'Always', [], [backoff], 'Running'],
    ['init running', 'Always', [running], [creating], 'Pending'],
    ['init failed, Never', 'Never', [bad], [creating], 'Failed'],
    ['init failed, Always retries', 'Always', [bad], [creating], 'Pending'],
    ['inits done, app running', 'Never', [ok, ok], [running], 'Running'],
  ];
  for (const [name, policy, init, app, want] of cases) it(name, () => assert.equal(podPhase(p(policy), init, app), want));
});

function cri(id: string, attempt: number, state: CriContainerStatus['state'], exitCode = 0, reason = ''): CriContainerStatus {
  return {
    id, metadata: { name: 'c', attempt }, state, createdAt: '1', startedAt: '1700000000000000000', finishedAt: state === 'CONTAINER_EXITED' ? '1700000005000000000' : '0',
    exitCode, image: { image: 'img' }, imageRef: 'sha256:abc', reason, message: '', labels: {}, annotations: {},
  };
}

function view(instances: CriContainerStatus[], waiting: Record<string, any> = {}): PodRuntimeView {
  return { sandboxReady: true, podIPs: ['10.42.0.5'], hostIP: '192.168.1.2', instances: new Map([['c', instances]]), waiting: new Map(Object.entries(waiting)), readiness: new Map() };
}

describe('containerStatus', () => {
  const c = { name: 'c', image: 'k8ts.local/busybox:1' };
  it('waits with the default reason before the first start', () => {
    const s = containerStatus(c, view([]), 'ContainerCreating', false);
    assert.deepEqual(s.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(s.restartCount, 0);
    assert.equal(s.ready, false);
  });
  it('running after a crash: restartCount from the attempt, lastState from the previous instance', () => {
    const s = containerStatus(c, view([cri('b', 1, 'CONTAINER_RUNNING'), cri('a', 0, 'CONTAINER_EXITED', 1, 'Error')]), 'ContainerCreating', false);
    assert.equal(s.restartCount, 1);
    assert.equal(s.containerID, 'containerd://b');
    assert.deepEqual(s.state, { running: { startedAt: '2023-11-14T22:13:20Z' } });
    assert.equal(s.lastState.terminated.exitCode, 1);
    assert.equal(s.lastState.terminated.reason, 'Error');
    assert.equal(s.lastState.terminated.containerID, 'containerd://a');
    assert.equal(s.ready, true);
    assert.equal(s.started, true);
  });
  it('in back-off: waiting state, the exited instance as lastState', () => {
    const w = { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=c pod=p_ns(u)' };
    const s = containerStatus(c, view([cri('a', 0, 'CONTAINER_EXITED', 1, 'Error')], { c: w }), 'ContainerCreating', false);
    assert.deepEqual(s.state, { waiting: w });
    assert.equal(s.lastState.terminated.finishedAt, '2023-11-14T22:13:25Z');
  });
  it('a startup probe not yet passed: running, not started, not ready (even with readiness true)', () => {
    const v = view([cri('a', 0, 'CONTAINER_RUNNING')]);
    v.started = new Map([['c', false]]);
    v.readiness.set('c', true);
    const s = containerStatus(c, v, 'ContainerCreating', false);
    assert.deepEqual([s.started, s.ready], [false, false]);
    v.started.set('c', true);
    assert.deepEqual([containerStatus(c, v, 'ContainerCreating', false).started, containerStatus(c, v, 'ContainerCreating', false).ready], [true, true]);
  });
  it('an OOM kill shows as upstream reports it', () => {
    const s = containerStatus(c, view([cri('b', 1, 'CONTAINER_RUNNING'), cri('a', 0, 'CONTAINER_EXITED', 137, 'OOMKilled')]), 'ContainerCreating', false);
    assert.deepEqual([s.lastState.terminated.reason, s.lastState.terminated.exitCode], ['OOMKilled', 137]);
  });
  it('an unready probe makes a running container unready', () => {
    const v = view([cri('a', 0, 'CONTAINER_RUNNING')]);
    v.readiness.set('c', false);
    assert.equal(containerStatus(c, v, 'ContainerCreating', false).ready, false);
  });
});

describe('podStatus', () => {
  const pod = (extra: any = {}) => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'img' }], ...extra }, status: {} });
  it('ready pod: conditions True, IPs', () => {
    const s = podStatus(pod(), view([cri('a', 0, 'CONTAINER_RUNNING')]), new Date('2024-01-01T00:00:00Z'));
    assert.equal(s.phase, 'Running');
    assert.equal(s.podIP, '10.42.0.5');
    assert.deepEqual(s.podIPs, [{ ip: '10.42.0.5' }]);
    assert.equal(s.hostIP, '192.168.1.2');
    assert.deepEqual(s.conditions.map((x: any) => [x.type, x.status]), [
      ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True']]);
  });
  it('reports the QoS class', () => {
    const limited = pod({ containers: [{ name: 'c', image: 'img', resources: { limits: { cpu: '1', memory: '1Gi' } } }] });
    assert.equal(podStatus(limited, view([]), new Date()).qosClass, 'Guaranteed');
    assert.equal(podStatus(pod(), view([]), new Date()).qosClass, 'BestEffort');
  });
  it('failed pod: Ready False with reason PodCompleted', () => {
    const s = podStatus(pod(), view([cri('a', 0, 'CONTAINER_EXITED', 3, 'Error')]), new Date());
    assert.equal(s.phase, 'Failed');
    const ready = s.conditions.find((x: any) => x.type === 'Ready');
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'PodCompleted');
  });
  it('pending init: Initialized False names the incomplete containers, app waits PodInitializing', () => {
    const v = view([]);
    const s = podStatus(pod({ initContainers: [{ name: 'i1', image: 'img' }] }), v, new Date());
    assert.equal(s.phase, 'Pending');
    const init = s.conditions.find((x: any) => x.type === 'Initialized');
    assert.equal(init.reason, 'ContainersNotInitialized');
    assert.equal(init.message, 'containers with incomplete status: [i1]');
    assert.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'PodInitializing' } });
    assert.equal(s.conditions.find((x: any) => x.type === 'Ready').message, 'containers with unready status: [c]');
  });
  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const old = { ...pod(), status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z' }] } };
    const s = podStatus(old, view([cri('a', 0, 'CONTAINER_RUNNING')]), new Date('2024-01-01T00:00:00Z'));
    assert.equal(s.conditions.find((x: any) => x.type === 'Ready').lastTransitionTime, '2020-01-01T00:00:00Z');
    assert.equal(s.conditions.find((x: any) => x.type === 'ContainersReady').lastTransitionTime, '2024-01-01T00:00:00Z');
  });
});
