import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeKeyring, podPullSecrets, repositoryOf, secretDockerConfig, urlsMatch, withDefaultTag } from './pull-secrets.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('pull secrets', () => {
  it('normalizes repositories as docker references do', () => {
    const cases: [string, string][] = [
      ['busybox', 'docker.io/library/busybox'],
      ['busybox:1.36', 'docker.io/library/busybox'],
      ['library/busybox@sha256:abc', 'docker.io/library/busybox'],
      ['index.docker.io/foo/bar:1', 'docker.io/foo/bar'],
      ['127.0.0.1:5000/k8ts/busybox:1', '127.0.0.1:5000/k8ts/busybox'],
      ['localhost/app', 'localhost/app'],
      ['quay.io/coreos/etcd:v3', 'quay.io/coreos/etcd'],
    ];
    for (const [image, repo] of cases) assert.equal(repositoryOf(image), repo, image);
    assert.equal(withDefaultTag('busybox'), 'busybox:latest');
    assert.equal(withDefaultTag('127.0.0.1:5000/x'), '127.0.0.1:5000/x:latest');
    assert.equal(withDefaultTag('127.0.0.1:5000/x:2'), '127.0.0.1:5000/x:2');
    assert.equal(withDefaultTag('x@sha256:00'), 'x@sha256:00');
  });

  it('matches keys by port, host labels (with globs) and path prefix', () => {
    const cases: [string, string, boolean][] = [
      ['127.0.0.1:5000', '127.0.0.1:5000/k8ts/busybox', true],
      ['127.0.0.1:5001', '127.0.0.1:5000/k8ts/busybox', false],
      ['127.0.0.1', '127.0.0.1:5000/k8ts/busybox', false],
      ['*.docker.io', 'registry-1.docker.io/x', true],
      ['*.docker.io', 'docker.io/x', false],
      ['*.example.com', 'a.b.example.com/x', false],
      // As in Go's url.Parse, a ? starts the query: the key is the host "reg" alone.
      ['reg?.example.com', 'reg1.example.com/x', false],
      ['reg[0-9].example.com', 'reg1.example.com/x', true],
      ['reg[0-9].example.com', 'regx.example.com/x', false],
      ['quay.io/coreos', 'quay.io/coreos/etcd', true],
      ['quay.io/coreos', 'quay.io/other/etcd', false],
    ];
    for (const [glob, target, want] of cases) assert.equal(urlsMatch(glob, target), want, `${glob} ~ ${target}`);
  });

  it('returns every matching credential, most specific key first, and Docker Hub entries for Hub images', () => {
    const kr = makeKeyring([
      { 'https://quay.io': { username: 'broad', password: 'p1' }, 'quay.io/coreos': { auth: b64('narrow:p2') } },
      { 'https://index.docker.io/v1/': { username: 'hub', password: 'p3' }, 'http://127.0.0.1:5000/v2/': { username: 'local', password: 'p4' } },
    ]);
    assert.deepEqual(kr.lookup('quay.io/coreos/etcd').map((c) => c.username), ['narrow', 'broad']);
    assert.deepEqual(kr.lookup('quay.io/other/x').map((c) => c.username), ['broad']);
    assert.deepEqual(kr.lookup('docker.io/library/busybox').map((c) => c.username), ['hub']);
    assert.deepEqual(kr.lookup('127.0.0.1:5000/k8ts/busybox'), [{ username: 'local', password: 'p4' }]);
    assert.deepEqual(kr.lookup('ghcr.io/x/y'), []);
  });

  it('skips an auth field that is not base64(user:pass)', () => {
    const errors: string[] = [];
    const kr = makeKeyring([{ 'reg.io': { auth: b64('nocolon') } }], (m) => errors.push(m));
    assert.deepEqual(kr.lookup('reg.io/x'), []);
    assert.match(errors[0], /must be formatted as base64\(username:password\)/);
  });

  it('reads both docker secret types and ignores others', () => {
    const json = { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'r.io': { username: 'u' } } })) } };
    const cfg = { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'r.io': { username: 'v' } })) } };
    assert.deepEqual(secretDockerConfig(json), { 'r.io': { username: 'u' } });
    assert.deepEqual(secretDockerConfig(cfg), { 'r.io': { username: 'v' } });
    assert.equal(secretDockerConfig({ type: 'Opaque', data: { '.dockercfg': b64('{}') } }), undefined);
  });

  it('takes the pod\'s pull secrets, else its ServiceAccount\'s, and names the missing ones', async () => {
    const secrets: Record<string, any> = { a: { metadata: { name: 'a' } }, sa: { metadata: { name: 'sa' } } };
    const src = {
      secret: async (n: string) => secrets[n],
      serviceAccount: async (n: string) => (n === 'builder' ? { imagePullSecrets: [{ name: 'sa' }] } : undefined),
    };
    const own = await podPullSecrets({ spec: { serviceAccountName: 'builder', imagePullSecrets: [{ name: 'a' }, { name: 'gone' }] } }, src);
    assert.deepEqual(own.secrets.map((s) => s.metadata.name), ['a']);
    assert.deepEqual(own.missing, ['gone']);
    const fromSa = await podPullSecrets({ spec: { serviceAccountName: 'builder' } }, src);
    assert.deepEqual(fromSa.secrets.map((s) => s.metadata.name), ['sa']);
    assert.deepEqual((await podPullSecrets({ spec: {} }, src)).secrets, []);
  });
});
