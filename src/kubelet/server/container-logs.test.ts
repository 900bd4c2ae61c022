import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeletHttpError, logTarget, parseLogQuery } from './container-logs.ts';

const DIR = '/logs/default_p_u1';

function pod(status: any, extra: any = {}): any {
  return { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'c' }], initContainers: [{ name: 'init' }], ...extra }, status: { containerStatuses: status ? [{ name: 'c', ...status }] : [] } };
}

const running = { state: { running: { startedAt: 'x' } }, containerID: 'containerd://cur', restartCount: 0 };
const restarted = { state: { running: {} }, containerID: 'containerd://cur', restartCount: 2, lastState: { terminated: { exitCode: 1, containerID: 'containerd://prev' } } };
const backoff = { state: { waiting: { reason: 'CrashLoopBackOff' } }, containerID: 'containerd://last', restartCount: 3, lastState: { terminated: { exitCode: 1, containerID: 'containerd://last' } } };

describe('logTarget', () => {
  const ok: { name: string; p: any; previous: boolean; want: { containerId: string; path: string } }[] = [
    { name: 'a running container reads its current file', p: pod(running), previous: false, want: { containerId: 'cur', path: `${DIR}/c/0.log` } },
    { name: 'after restarts the current file is <restartCount>.log', p: pod(restarted), previous: false, want: { containerId: 'cur', path: `${DIR}/c/2.log` } },
    { name: 'previous is the instance before: <restartCount-1>.log', p: pod(restarted), previous: true, want: { containerId: 'prev', path: `${DIR}/c/1.log` } },
    { name: 'in back-off the exited instance is current', p: pod(backoff), previous: false, want: { containerId: 'last', path: `${DIR}/c/3.log` } },
    { name: 'in back-off --previous is that same exited instance', p: pod(backoff), previous: true, want: { containerId: 'last', path: `${DIR}/c/3.log` } },
    {
      name: 'a terminated container reads its last file',
      p: pod({ state: { terminated: { exitCode: 0, containerID: 'containerd://done' } }, containerID: 'containerd://done', restartCount: 0 }), previous: false,
      want: { containerId: 'done', path: `${DIR}/c/0.log` },
    },
  ];
  for (const c of ok) it(c.name, () => assert.deepEqual(logTarget(c.p, 'c', c.previous, DIR), c.want));

  const bad: { name: string; p: any; container?: string; previous?: boolean; code: number; message: string }[] = [
    { name: 'a container the pod does not have', p: pod(running), container: 'x', code: 404, message: 'container "x" not found in pod "p"' },
    { name: 'previous of a container that never restarted', p: pod(running), previous: true, code: 400, message: 'previous terminated container "c" in pod "p" not found' },
    { name: 'no status yet', p: pod(undefined), code: 400, message: 'container "c" in pod "p" is not available' },
    { name: 'creating', p: pod({ state: { waiting: { reason: 'ContainerCreating' } }, restartCount: 0 }), code: 400, message: 'container "c" in pod "p" is waiting to start: ContainerCreating' },
    { name: 'image pull failing', p: pod({ state: { waiting: { reason: 'ErrImagePull' } }, restartCount: 0 }), code: 400, message: 'container "c" in pod "p" is waiting to start: image can\'t be pulled' },
    { name: 'image pull back-off', p: pod({ state: { waiting: { reason: 'ImagePullBackOff' } }, restartCount: 0 }), code: 400, message: 'container "c" in pod "p" is waiting to start: trying and failing to pull image' },
    { name: 'terminated without an id', p: pod({ state: { terminated: { exitCode: 1 } }, restartCount: 0 }), code: 400, message: 'container "c" in pod "p" is terminated' },
  ];
  for (const c of bad) {
    it(`refuses: ${c.name}`, () => {
      assert.throws(() => logTarget(c.p, c.container ?? 'c', c.previous ?? false, DIR), (e: unknown) => {
        assert.ok(e instanceof KubeletHttpError);
        assert.equal(e.code, c.code);
        assert.equal(e.message, c.message);
        return true;
      });
    });
  }
});

describe('parseLogQuery', () => {
  const now = Date.parse('2024-05-01T10:00:00Z');
  const q = (s: string) => parseLogQuery(new URLSearchParams(s), now);
  it('defaults to everything, once', () => {
    assert.deepEqual(q(''), { tail: -1, limitBytes: -1, since: undefined, follow: false, timestamps: false, previous: false });
  });
  it('reads every option', () => {
    assert.deepEqual(q('follow=true&previous=1&timestamps=true&tailLines=5&limitBytes=100&sinceSeconds=60'),
      { tail: 5, limitBytes: 100, since: now - 60_000, follow: true, timestamps: true, previous: true });
    assert.equal(q('sinceTime=2024-05-01T09:00:00Z').since, Date.parse('2024-05-01T09:00:00Z'));
  });
  it('takes the old tail spelling, with all for no limit', () => {
    assert.equal(q('tail=3').tail, 3);
    assert.equal(q('tail=all&tailLines=2').tail, -1);
  });
  const invalid: [string, number, string][] = [
    ['tailLines=-1', 422, 'tailLines: Invalid value: -1: must be greater than or equal to 0'],
    ['limitBytes=0', 422, 'limitBytes: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=0', 422, 'sinceSeconds: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=5&sinceTime=2024-05-01T09:00:00Z', 422, ': Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified'],
    ['tailLines=x', 400, 'strconv.ParseInt: parsing "x": invalid syntax'],
    ['follow=yes', 400, 'strconv.ParseBool: parsing "yes": invalid syntax'],
  ];
  for (const [query, code, message] of invalid) {
    it(`rejects ${query}`, () => assert.throws(() => q(query), (e: any) => e.code === code && e.message === message));
  }
});
