// Service account tokens end to end on a real node: ServiceAccount
// admission gives a pod the kube-api-access volume, the kubelet fills it
// through TokenRequest (token, kube-root-ca.crt's ca.crt, namespace), and
// the pod's token, trusting only the pod's ca.crt, is its service account
// to the API server; `kubectl create
// token` and `kubectl auth whoami --token`; a pod-bound token dies with its
// pod; forged tokens get 401; the signing key survives a restart.
// Run under the node lock:
//   flock /tmp/k8ts-node-e2e.lock node --no-warnings=ExperimentalWarning --test --test-force-exit test/e2e/serviceaccount-token.test.ts
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import { startCluster, destroyCluster, run, waitNodeReady } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';
import { signJwt } from '../../src/apiserver/serviceaccount/jwt.ts';

const NODE = 'e2e-satoken';
const IMAGE = 'k8ts.local/busybox:1';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const REVIEW = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });

// The workload reports its mounted credentials through its log. It does not
// call the API server itself: busybox wget cannot check a CA, and from the
// pod network its TLS handshake with the API server fails (alert 40), so the
// test makes that call with the pod's token and the pod's ca.crt instead.
const READER = [
  `D=${SA_DIR}`,
  'echo "token=$(cat $D/token)"',
  'echo "namespace=$(cat $D/namespace)"',
  'echo "ca=$(base64 $D/ca.crt | tr -d \'\\n\')"',
  'sleep 3600',
].join('\n');

const claimsOf = (token: string): any => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

/** POSTs a SelfSubjectReview with a bearer token, trusting only the given CA. */
function selfReview(port: number, ca: string, token: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', ca,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': String(REVIEW.length) },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(REVIEW);
  });
}

describe('service account tokens on a real node', { timeout: 180_000 }, () => {
  let c: TestCluster | undefined;
  // kubectl with nothing but the server, its CA and a token: no client certificate to win over the token.
  const asToken = (token: string, args: string[]) => run('kubectl', [
    '--kubeconfig=/dev/null', `--server=https://127.0.0.1:${c!.port}`, `--certificate-authority=${join(c!.dataDir, 'tls', 'ca.crt')}`, `--token=${token}`, ...args,
  ], {});
  const podJson = async (name: string) => JSON.parse(await c!.k(['get', 'pod', name, '-o', 'json']));
  // The reader prints what it found as key=value lines (logs, not exec: fewer moving parts).
  const readerOutput = () => until('the reader pod\'s report', 30_000, async () => {
    const r = await c!.kubectl(['logs', 'reader']);
    if (r.code !== 0 || !r.stdout.includes('\nca=')) return undefined;
    return Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) as Record<string, string>;
  });

  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.196.0.0/16'] });
    await waitNodeReady(c!, NODE);
    await until('the default service account and kube-root-ca.crt', 30_000, async () =>
      (await c!.kubectl(['get', 'serviceaccount/default', 'configmap/kube-root-ca.crt'])).code === 0);
  });
  after(async () => {
    if (c) await c.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s']);
    await destroyCluster(c);
  });

  it('a pod gets the kube-api-access volume, reads token, ca.crt and namespace, and is its service account to the API server', async () => {
    await c!.k(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reader' },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', READER] }],
        },
      }),
    });
    const pod = await podJson('reader');
    assert.equal(pod.spec.serviceAccountName, 'default');
    const vol = pod.spec.volumes.find((v: any) => /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(v.name));
    assert.ok(vol, JSON.stringify(pod.spec.volumes));
    assert.deepEqual(vol.projected.sources[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: SA_DIR }]);
    await c!.k(['wait', '--for=condition=Ready', 'pod/reader', '--timeout=90s']);
    const out = await readerOutput();
    const token = out.token!;
    const ca = Buffer.from(out.ca!, 'base64').toString('utf8');
    assert.equal(out.namespace, 'default');
    assert.equal(ca, readFileSync(join(c!.dataDir, 'tls', 'ca.crt'), 'utf8'));
    const claims = claimsOf(token);
    assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local');
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'reader', uid: pod.metadata.uid });
    assert.equal(claims['kubernetes.io'].node.name, NODE);
    assert.equal(claims['kubernetes.io'].warnafter, claims.iat + 3607);

    // The pod's ca.crt is the only CA trusted for this call.
    const review = await selfReview(c!.port, ca, token);
    assert.equal(review.status, 201);
    const u = review.body.status.userInfo;
    assert.equal(u.username, 'system:serviceaccount:default:default');
    assert.deepEqual(u.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    assert.deepEqual(u.extra['authentication.kubernetes.io/pod-name'], ['reader']);
    assert.deepEqual(u.extra['authentication.kubernetes.io/pod-uid'], [pod.metadata.uid]);
    assert.equal(u.uid, JSON.parse(await c!.k(['get', 'sa', 'default', '-o', 'json'])).metadata.uid);
  });

  it('kubectl create token and auth whoami --token; too short a duration is refused as upstream', async () => {
    const token = (await c!.k(['create', 'token', 'default', '--duration=20m', '--audience=https://kubernetes.default.svc.cluster.local'])).trim();
    const claims = claimsOf(token);
    assert.equal(claims.exp - claims.iat, 1200);
    const who = await asToken(token, ['auth', 'whoami', '-o', 'json']);
    assert.equal(who.code, 0, who.stderr);
    assert.equal(JSON.parse(who.stdout).status.userInfo.username, 'system:serviceaccount:default:default');
    const short = await c!.kubectl(['create', 'token', 'default', '--duration=5m']);
    assert.match(short.stderr, /TokenRequest\.authentication\.k8s\.io "" is invalid: spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
    const other = (await c!.k(['create', 'token', 'default', '--audience=vault'])).trim();
    assert.match((await asToken(other, ['auth', 'whoami'])).stderr, /Unauthorized/);
  });

  it('a token bound to a pod, and the pod\'s own token, stop working once the pod is gone', async () => {
    const bound = (await c!.k(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'reader'])).trim();
    const own = (await readerOutput()).token!;
    assert.equal((await asToken(bound, ['auth', 'whoami'])).code, 0);
    await c!.k(['delete', 'pod', 'reader', '--wait=true', '--timeout=60s']);
    for (const t of [bound, own]) {
      const r = await asToken(t, ['auth', 'whoami']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Unauthorized/);
    }
  });

  it('forged tokens get 401; a pod naming a missing service account is refused; automount false gets no volume', async () => {
    const good = (await c!.k(['create', 'token', 'default'])).trim();
    const [h, , s] = good.split('.');
    const c2 = { ...claimsOf(good), sub: 'system:serviceaccount:kube-system:default' };
    const tampered = `${h}.${Buffer.from(JSON.stringify(c2)).toString('base64url')}.${s}`;
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const foreign = signJwt(claimsOf(good), otherKey);
    const ca = readFileSync(join(c!.dataDir, 'tls', 'ca.crt'), 'utf8');
    for (const t of [tampered, foreign]) {
      const r = await selfReview(c!.port, ca, t);
      assert.equal(r.status, 401);
      assert.equal(r.body.reason, 'Unauthorized');
    }
    const missing = await c!.kubectl(['run', 'lost', `--image=${IMAGE}`, '--restart=Never', '--overrides={"spec":{"serviceAccountName":"ghost"}}', '--', 'true']);
    assert.match(missing.stderr, /pods "lost" is forbidden: error looking up service account default\/ghost: serviceaccount "ghost" not found/);
    await c!.k(['create', 'serviceaccount', 'quiet']);
    await c!.k(['patch', 'serviceaccount', 'quiet', '-p', '{"automountServiceAccountToken":false}']);
    await c!.k(['run', 'still', `--image=${IMAGE}`, '--restart=Never', '--overrides={"spec":{"serviceAccountName":"quiet"}}', '--', 'true']);
    const still = await podJson('still');
    assert.equal(still.spec.volumes, undefined);
    assert.equal(still.spec.containers[0].volumeMounts, undefined);
  });

  it('the signing key is kept under the data dir: tokens issued before a restart still work after it', async () => {
    const key = join(c!.dataDir, 'tls', 'service.key');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const before = readFileSync(key, 'utf8');
    const token = (await c!.k(['create', 'token', 'default'])).trim();
    await c!.restart();
    assert.equal(readFileSync(key, 'utf8'), before);
    const who = await asToken(token, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(who.stdout, 'system:serviceaccount:default:default', who.stderr);
  });
});
