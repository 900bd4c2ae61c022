// TokenRequest, service account token authentication and ServiceAccount
// admission through a real API server (memory storage, in-process client).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serviceAccountTokenAuthenticator } from '../authn/service-account.ts';
import type { ApiServer } from '../server.ts';
import { startTestApiServer } from '../../../test/support/apiserver.ts';
import type { TestApiServer } from '../../../test/support/apiserver.ts';
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import { resourcePath } from '../../client/rest.ts';
import { ensureSigningKey, ServiceAccountTokens } from '../serviceaccount/index.ts';

const find = (resource: string) => RESOURCES.find((r) => r.group === '' && r.resource === resource)!;
const SAS = find('serviceaccounts');
const PODS = find('pods');
const SECRETS = find('secrets');
const NS = 'default';

describe('serviceaccounts/token and service account authentication', () => {
  let t: TestApiServer;
  let server: ApiServer;
  let client: Client;
  let offsetMs = 0;
  const tokens = () => server.services.serviceAccountTokens!;
  const whoami = (token: string) => server.services.authenticateToken!(token);
  const request = (sa: string, spec: object) =>
    client.request('POST', resourcePath(SAS, NS, sa, 'token'), { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return (err as any).status;
    }
    assert.fail('the request succeeded');
  };
  const pod = (name: string, spec: object = {}) => client.create(PODS, NS, { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });

  before(async () => {
    t = await startTestApiServer((dir) => {
      const sa = new ServiceAccountTokens({ key: ensureSigningKey(join(dir, 'service.key')), now: () => new Date(Date.now() + offsetMs) });
      return { config: { serviceAccountTokens: sa }, tokenAuthenticators: [serviceAccountTokenAuthenticator(sa)] };
    });
    ({ server, client } = t);
    await client.create(SAS, NS, { metadata: { name: 'default' } });
    await client.create(SAS, NS, { metadata: { name: 'bot' } });
  });
  after(() => t?.close());

  it('issues a token with upstream\'s defaults that authenticates as the service account', async () => {
    const tr = await request('bot', {});
    assert.equal(tr.kind, 'TokenRequest');
    assert.deepEqual(tr.spec, { audiences: ['https://kubernetes.default.svc.cluster.local', 'k3s'], expirationSeconds: 3600 });
    const exp = Date.parse(tr.status.expirationTimestamp);
    assert.ok(Math.abs(exp - (Date.now() + 3600_000)) < 5000, tr.status.expirationTimestamp);
    const bot = await client.get(SAS, NS, 'bot');
    const u = whoami(tr.status.token)!;
    assert.equal(u.username, 'system:serviceaccount:default:bot');
    assert.equal(u.uid, bot.metadata.uid);
    assert.deepEqual(u.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    assert.deepEqual(Object.keys(u.extra ?? {}), ['authentication.kubernetes.io/credential-id']);
  });

  it('validates expirationSeconds and refuses unknown accounts and kinds with upstream\'s errors', async () => {
    const short = await failure(request('bot', { expirationSeconds: 599 }));
    assert.equal(short.code, 422);
    assert.equal(short.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
    assert.equal((await failure(request('ghost', {}))).message, 'serviceaccounts "ghost" not found');
    const kind = await failure(request('bot', { boundObjectRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' } }));
    assert.equal(kind.message, 'cannot bind token to object of type apps/v1, Kind=Deployment');
  });

  it('a token for another audience, an expired one, or one of a recreated account does not authenticate', async () => {
    const vault = await request('bot', { audiences: ['vault'], expirationSeconds: 600 });
    assert.equal(whoami(vault.status.token), null);
    const t = (await request('bot', { expirationSeconds: 600 })).status.token;
    offsetMs = 661_000;
    try {
      assert.equal(whoami(t), null);
    } finally {
      offsetMs = 0;
    }
    assert.ok(whoami(t));
    await client.request('DELETE', resourcePath(SAS, NS, 'bot'));
    await client.create(SAS, NS, { metadata: { name: 'bot' } });
    await server.services.syncCache();
    assert.equal(whoami(t), null);
  });

  it('pod-bound tokens carry the pod and die with it; a wrong uid or service account is refused', async () => {
    const p = await pod('web', { serviceAccountName: 'bot' });
    const ref = { apiVersion: 'v1', kind: 'Pod', name: 'web' };
    const conflict = await failure(request('bot', { boundObjectRef: { ...ref, uid: 'not-it' } }));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.message, 'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (not-it) does not match the UID in record. The object might have been deleted and then recreated');
    assert.equal((await failure(request('default', { boundObjectRef: ref }))).message,
      'cannot bind token for serviceaccount "default" to pod running with different serviceaccount name.');
    const tr = await request('bot', { boundObjectRef: { ...ref, uid: p.metadata.uid } });
    assert.deepEqual(whoami(tr.status.token)!.extra!['authentication.kubernetes.io/pod-uid'], [p.metadata.uid]);
    // The kubelet's 3607 s request: a year-long token that warns after the hour; the status still says 3607 s.
    const kubelet = await request('bot', { boundObjectRef: ref, expirationSeconds: 3607 });
    const claims = JSON.parse(Buffer.from(kubelet.status.token.split('.')[1], 'base64url').toString());
    assert.equal(claims.exp - claims.iat, 365 * 24 * 3600);
    assert.equal(claims['kubernetes.io'].warnafter, claims.iat + 3607);
    assert.equal(kubelet.spec.expirationSeconds, 3607);
    await client.request('DELETE', `${resourcePath(PODS, NS, 'web')}?gracePeriodSeconds=0`);
    await server.services.syncCache();
    assert.equal(whoami(tr.status.token), null);
    assert.equal(whoami(kubelet.status.token), null);
  });

  it('secret-bound tokens die with the secret; legacy secret tokens authenticate while the secret holds them', async () => {
    const sec = await client.create(SECRETS, NS, { metadata: { name: 'bound' } });
    const tr = await request('default', { boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 'bound' } });
    assert.ok(whoami(tr.status.token));
    const def = await client.get(SAS, NS, 'default');
    const legacy = tokens().issueLegacy(NS, { name: 'default', uid: def.metadata.uid }, 'default-token');
    assert.equal(whoami(legacy), null, 'no secret holds it yet');
    await client.create(SECRETS, NS, {
      metadata: { name: 'default-token', annotations: { 'kubernetes.io/service-account.name': 'default' } },
      type: 'kubernetes.io/service-account-token', data: { token: Buffer.from(legacy).toString('base64') },
    });
    await server.services.syncCache();
    assert.equal(whoami(legacy)!.username, 'system:serviceaccount:default:default');
    await client.request('DELETE', resourcePath(SECRETS, NS, sec.metadata.name));
    await client.request('DELETE', resourcePath(SECRETS, NS, 'default-token'));
    await server.services.syncCache();
    assert.equal(whoami(tr.status.token), null);
    assert.equal(whoami(legacy), null);
  });

  it('admission: the default account, the token volume in every container, automount opt-outs, upstream\'s error for a missing account', async () => {
    const p = await pod('auto', { initContainers: [{ name: 'i', image: 'busybox' }] });
    assert.equal(p.spec.serviceAccountName, 'default');
    assert.equal(p.spec.serviceAccount, 'default');
    const vol = p.spec.volumes.at(-1);
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    for (const c of [...p.spec.initContainers, ...p.spec.containers]) {
      assert.deepEqual(c.volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    }
    assert.equal((await pod('off', { automountServiceAccountToken: false })).spec.volumes, undefined);
    await client.create(SAS, NS, { metadata: { name: 'quiet' }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'reg' }] });
    const quiet = await pod('quiet', { serviceAccountName: 'quiet' });
    assert.equal(quiet.spec.volumes, undefined);
    assert.deepEqual(quiet.spec.imagePullSecrets, [{ name: 'reg' }]);
    assert.equal((await pod('loud', { serviceAccountName: 'quiet', automountServiceAccountToken: true })).spec.volumes.length, 1);
    const missing = await failure(pod('lost', { serviceAccountName: 'ghost' }));
    assert.equal(missing.code, 403);
    assert.equal(missing.message, 'pods "lost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  });
});
