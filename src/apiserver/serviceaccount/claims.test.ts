import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundClaims, DEFAULT_ISSUER, legacyClaims, readClaims } from './claims.ts';

const now = new Date('2026-01-01T00:00:00Z');
const t0 = now.getTime() / 1000;
const sa = { name: 'default', uid: 'sa-uid' };
const opts = { issuers: [DEFAULT_ISSUER], audiences: [DEFAULT_ISSUER, 'k3s'], now };

describe('bound token claims', () => {
  it('carry upstream\'s fields; a pod token names the pod and its node', () => {
    const c: any = boundClaims({
      issuer: DEFAULT_ISSUER, namespace: 'ns', serviceAccount: sa, audiences: ['k3s'], expirationSeconds: 600, now,
      pod: { name: 'p', uid: 'pu' }, node: { name: 'n', uid: 'nu' }, warnAfterSeconds: 3607,
    });
    assert.match(c.jti, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...c, jti: 'x' }, {
      aud: ['k3s'], exp: t0 + 600, iat: t0, nbf: t0, iss: DEFAULT_ISSUER, jti: 'x', sub: 'system:serviceaccount:ns:default',
      'kubernetes.io': { namespace: 'ns', node: { name: 'n', uid: 'nu' }, pod: { name: 'p', uid: 'pu' }, serviceaccount: sa, warnafter: t0 + 3607 },
    });
  });

  const base = boundClaims({ issuer: DEFAULT_ISSUER, namespace: 'ns', serviceAccount: sa, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, now });
  const at = (seconds: number) => ({ ...opts, now: new Date(now.getTime() + seconds * 1000) });
  const cases: [string, any, typeof opts, string | null][] = [
    ['valid', base, opts, null],
    ['expired, within the 60 s leeway', base, at(3650), null],
    ['expired', base, at(3661), 'token is expired'],
    ['not yet valid', base, at(-61), 'token is not valid yet'],
    ['another audience', { ...base, aud: ['vault'] }, opts, 'token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local","k3s"]'],
    ['another issuer', { ...base, iss: 'https://evil' }, opts, 'token issuer "https://evil" is not trusted'],
    ['no kubernetes.io claim', { ...base, 'kubernetes.io': undefined }, opts, 'token lacks the kubernetes.io claims'],
    ['subject of another account', { ...base, sub: 'system:serviceaccount:kube-system:default' }, opts, 'token subject does not match its service account'],
  ];
  for (const [name, claims, o, want] of cases) {
    it(name, () => {
      const r = readClaims(claims, o);
      if (want === null) assert.deepEqual(r, { legacy: false, namespace: 'ns', serviceAccount: sa, pod: undefined, secret: undefined, node: undefined, jti: (claims as any).jti });
      else assert.equal(r, want);
    });
  }
});

describe('legacy token claims', () => {
  it('read back without time or audience checks', () => {
    const c = legacyClaims('ns', sa, 'default-token-abcde');
    assert.deepEqual(readClaims(c, at0()), { legacy: true, namespace: 'ns', serviceAccount: sa, legacySecretName: 'default-token-abcde' });
    assert.equal(readClaims({ ...c, sub: 'system:serviceaccount:ns:other' }, at0()), 'invalid legacy service account claims');
  });
});

function at0() {
  return { ...opts, now: new Date('2099-01-01T00:00:00Z') };
}
