import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createAuthenticator } from './index.ts';
import { serviceAccountTokenAuthenticator } from './service-account.ts';
import { ServiceAccountTokens } from '../serviceaccount/index.ts';
import { keyIdOf } from '../serviceaccount/jwt.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = new Date('2026-03-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();

function setup(objects: Record<string, any>) {
  const tokens = new ServiceAccountTokens({ key: { privateKey, publicKey, keyId: keyIdOf(publicKey) }, now: () => now });
  tokens.setLookup((resource, ns, name) => objects[`${resource}/${ns}/${name}`]);
  return { tokens, authenticate: serviceAccountTokenAuthenticator(tokens) };
}

const sa = { metadata: { name: 'default', namespace: 'ns', uid: 'sa1' } };
const pod = (extra: object = {}) => ({ metadata: { name: 'p', namespace: 'ns', uid: 'p1', ...extra } });
const node = { metadata: { name: 'n1', uid: 'n1' } };

describe('service account token authentication', () => {
  const issue = (t: ServiceAccountTokens, bound: object = {}) =>
    t.issue({ namespace: 'ns', serviceAccount: { name: 'default', uid: 'sa1' }, audiences: ['k3s'], expirationSeconds: 3600, ...bound }).token;

  const cases: [string, Record<string, any>, object, boolean][] = [
    ['an unbound token of a live account', { 'serviceaccounts/ns/default': sa }, {}, true],
    ['the account was deleted', {}, {}, false],
    ['the account was recreated (another uid)', { 'serviceaccounts/ns/default': { metadata: { ...sa.metadata, uid: 'sa2' } } }, {}, false],
    ['the bound pod lives', { 'serviceaccounts/ns/default': sa, 'pods/ns/p': pod() }, { pod: { name: 'p', uid: 'p1' } }, true],
    ['the bound pod is gone', { 'serviceaccounts/ns/default': sa }, { pod: { name: 'p', uid: 'p1' } }, false],
    ['a pod of the same name with another uid', { 'serviceaccounts/ns/default': sa, 'pods/ns/p': pod({ uid: 'p2' }) }, { pod: { name: 'p', uid: 'p1' } }, false],
    ['the pod is being deleted, within 60 s', { 'serviceaccounts/ns/default': sa, 'pods/ns/p': pod({ deletionTimestamp: ago(30) }) }, { pod: { name: 'p', uid: 'p1' } }, true],
    ['the pod was being deleted over 60 s ago', { 'serviceaccounts/ns/default': sa, 'pods/ns/p': pod({ deletionTimestamp: ago(61) }) }, { pod: { name: 'p', uid: 'p1' } }, false],
    ['a node-bound token of a live node', { 'serviceaccounts/ns/default': sa, 'nodes//n1': node }, { node: { name: 'n1', uid: 'n1' } }, true],
    ['a node-bound token of a gone node', { 'serviceaccounts/ns/default': sa }, { node: { name: 'n1', uid: 'n1' } }, false],
    ['a pod token whose node is gone (the node is informational)', { 'serviceaccounts/ns/default': sa, 'pods/ns/p': pod() }, { pod: { name: 'p', uid: 'p1' }, node: { name: 'n1', uid: 'n1' } }, true],
  ];
  for (const [name, objects, bound, ok] of cases) {
    it(name, () => {
      const { tokens, authenticate } = setup(objects);
      const u = authenticate(issue(tokens, bound));
      assert.equal(u !== null, ok);
    });
  }

  it('the user has upstream\'s groups and extra; the authenticator adds system:authenticated and leaves other tokens alone', () => {
    const { tokens, authenticate } = setup({ 'serviceaccounts/ns/default': sa, 'pods/ns/p': pod() });
    const token = issue(tokens, { pod: { name: 'p', uid: 'p1' }, node: { name: 'n1', uid: 'n1' } });
    const authn = createAuthenticator({ clientCaPem: '', tokens: new Map([['static', { username: 'joiner', groups: [] }]]), tokenAuthenticators: [authenticate] });
    const u = authn.authenticateToken(token)!;
    assert.equal(u.username, 'system:serviceaccount:ns:default');
    assert.equal(u.uid, 'sa1');
    assert.deepEqual(u.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated']);
    const { 'authentication.kubernetes.io/credential-id': jti, ...rest } = u.extra!;
    assert.match(jti![0]!, /^JTI=[0-9a-f-]{36}$/);
    assert.deepEqual(rest, {
      'authentication.kubernetes.io/pod-name': ['p'], 'authentication.kubernetes.io/pod-uid': ['p1'],
      'authentication.kubernetes.io/node-name': ['n1'], 'authentication.kubernetes.io/node-uid': ['n1'],
    });
    assert.equal(authn.authenticateToken('static')!.username, 'joiner');
    assert.equal(authn.authenticateToken('not-a-token'), null);
  });
});
