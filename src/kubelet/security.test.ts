import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { containerSecurityContext, DEFAULT_MASKED_PATHS, imageUser, sandboxSecurityContext, seccompProfile, verifyRunAsNonRoot } from './security.ts';

const pod = (podSc: any, c: any = {}, extra: any = {}) => ({
  metadata: { name: 'web', namespace: 'prod', uid: 'u-1' },
  spec: { securityContext: podSc, containers: [{ name: 'app', image: 'img', ...c }], ...extra },
});

describe('containerSecurityContext', () => {
  it('the container overrides the pod; fsGroup then supplementalGroups', () => {
    const p = pod({ runAsUser: 1, runAsGroup: 2, fsGroup: 5, supplementalGroups: [7, 8] }, { securityContext: { runAsUser: 1000 } });
    const sc = containerSecurityContext(p, p.spec.containers[0]);
    assert.deepEqual(sc.runAsUser, { value: 1000 });
    assert.deepEqual(sc.runAsGroup, { value: 2 });
    assert.deepEqual(sc.supplementalGroups, [5, 7, 8]);
    assert.equal(sc.noNewPrivs, false);
    assert.equal(sc.readonlyRootfs, false);
    assert.deepEqual(sc.maskedPaths, DEFAULT_MASKED_PATHS);
  });
  it('readOnlyRootFilesystem, capabilities, allowPrivilegeEscalation: false', () => {
    const c = { securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } };
    const p = pod(undefined, c);
    const sc = containerSecurityContext(p, p.spec.containers[0]);
    assert.equal(sc.readonlyRootfs, true);
    assert.equal(sc.noNewPrivs, true);
    assert.deepEqual(sc.capabilities, { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] });
    assert.equal(sc.runAsUser, undefined);
    assert.equal(sc.supplementalGroups, undefined);
  });
  it('privileged: nothing masked, and the sandbox is privileged too', () => {
    const p = pod({ runAsUser: 3 }, { securityContext: { privileged: true } });
    const sc = containerSecurityContext(p, p.spec.containers[0]);
    assert.equal(sc.privileged, true);
    assert.deepEqual(sc.maskedPaths, []);
    assert.deepEqual(sc.readonlyPaths, []);
    const sb = sandboxSecurityContext(p);
    assert.equal(sb.privileged, true);
    assert.deepEqual(sb.runAsUser, { value: 3 });
    assert.equal(sandboxSecurityContext(pod({})).privileged, false);
  });
});

describe('seccompProfile', () => {
  const root = '/var/lib/k8ts/agent/kubelet/seccomp';
  it('none set is Unconfined; RuntimeDefault; Localhost under the kubelet\'s seccomp directory', () => {
    assert.deepEqual(seccompProfile(undefined, root), { profileType: 'Unconfined' });
    assert.deepEqual(seccompProfile({ type: 'Unconfined' }, root), { profileType: 'Unconfined' });
    assert.deepEqual(seccompProfile({ type: 'RuntimeDefault' }, root), { profileType: 'RuntimeDefault' });
    assert.deepEqual(seccompProfile({ type: 'Localhost', localhostProfile: 'profiles/audit.json' }, root),
      { profileType: 'Localhost', localhostRef: `${root}/profiles/audit.json` });
  });
  for (const bad of ['../etc/passwd', '/etc/seccomp.json', 'a/../../b', '']) {
    it(`a Localhost profile may not leave the directory: ${JSON.stringify(bad)}`, () => {
      assert.throws(() => seccompProfile({ type: 'Localhost', localhostProfile: bad }, root), /must be a descending path/);
    });
  }
  it('the container\'s profile wins over the pod\'s; the sandbox takes the pod\'s', () => {
    const p = pod({ seccompProfile: { type: 'RuntimeDefault' } }, { securityContext: { seccompProfile: { type: 'Unconfined' } } });
    assert.deepEqual(containerSecurityContext(p, p.spec.containers[0], root).seccomp, { profileType: 'Unconfined' });
    assert.deepEqual(sandboxSecurityContext(p, root).seccomp, { profileType: 'RuntimeDefault' });
    const q = pod({ seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(containerSecurityContext(q, q.spec.containers[0], root).seccomp, { profileType: 'RuntimeDefault' });
  });
});

describe('verifyRunAsNonRoot', () => {
  const where = '(pod: "web_prod(u-1)", container: app)';
  const cases: [string, any, any, { uid?: number; username?: string }, string | undefined][] = [
    ['not asked', {}, {}, { uid: 0 }, undefined],
    ['image root', { runAsNonRoot: true }, {}, { uid: 0 }, `container has runAsNonRoot and image will run as root ${where}`],
    ['image non-root', { runAsNonRoot: true }, {}, { uid: 65534 }, undefined],
    ['image username', { runAsNonRoot: true }, {}, { username: 'nobody' },
      `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root ${where}`],
    ['runAsUser 0', { runAsNonRoot: true }, { securityContext: { runAsUser: 0 } }, { uid: 1000 }, `container's runAsUser breaks non-root policy ${where}`],
    ['runAsUser wins over the image', {}, { securityContext: { runAsNonRoot: true, runAsUser: 1000 } }, { uid: 0 }, undefined],
    ['container turns it off', { runAsNonRoot: true }, { securityContext: { runAsNonRoot: false } }, { uid: 0 }, undefined],
  ];
  for (const [name, podSc, c, image, want] of cases) {
    it(name, () => { const p = pod(podSc, c); assert.equal(verifyRunAsNonRoot(p, p.spec.containers[0], image), want); });
  }
  it('imageUser: uid, username, or root', () => {
    assert.deepEqual(imageUser({ uid: { value: '1000' }, username: '' }), { uid: 1000 });
    assert.deepEqual(imageUser({ uid: null, username: 'nobody' }), { username: 'nobody' });
    assert.deepEqual(imageUser({ uid: null, username: '' }), { uid: 0 });
  });
});
