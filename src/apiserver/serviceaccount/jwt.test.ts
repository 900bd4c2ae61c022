import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdOf, looksLikeJwt, signJwt, verifyJwt } from './jwt.ts';
import { ensureSigningKey } from './keys.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const claims = { sub: 'system:serviceaccount:a:b', n: 1 };

describe('JWS', () => {
  for (const [alg, pair] of [['RS256', rsa], ['ES256', ec]] as const) {
    it(`${alg}: signs and verifies, with the key id in the header`, () => {
      const token = signJwt(claims, pair.privateKey, 'kid1');
      assert.ok(looksLikeJwt(token));
      const v = verifyJwt(token, [other.publicKey, pair.publicKey]);
      assert.deepEqual(v, { header: { alg, kid: 'kid1' }, claims });
      // ES256 signatures are raw r||s (64 bytes), as JWS wants.
      if (alg === 'ES256') assert.equal(Buffer.from(token.split('.')[2]!, 'base64url').length, 64);
    });
  }
  it('refuses other keys, changed claims, alg none and junk', () => {
    const token = signJwt(claims, rsa.privateKey);
    const [h, c, s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, n: 2 })).toString('base64url')}.${s}`;
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${c}.`;
    const cases: [string, string][] = [['other key', signJwt(claims, other.privateKey)], ['changed claims', forged], ['alg none', none],
      ['not a jwt', 'abcdef'], ['bad json', `${h}.${Buffer.from('[1]').toString('base64url')}.${s}`]];
    for (const [name, t] of cases) assert.equal(verifyJwt(t, [rsa.publicKey]), null, name);
    assert.equal(verifyJwt(token, [ec.publicKey]), null, 'an ES256 key does not take an RS256 token');
  });
  it('the key id is the base64url SHA-256 of the public key DER', () => {
    const kid = keyIdOf(rsa.publicKey);
    assert.match(kid, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(keyIdOf(createPublicKey(rsa.privateKey)), kid);
    assert.notEqual(keyIdOf(other.publicKey), kid);
  });
});

describe('ensureSigningKey', () => {
  it('makes an RSA key (0600) once and reads the same key back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-sakey-'));
    try {
      const file = join(dir, 'tls', 'service.key');
      const first = ensureSigningKey(file);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.match(readFileSync(file, 'utf8'), /^-----BEGIN RSA PRIVATE KEY-----/);
      const again = ensureSigningKey(file);
      assert.equal(again.keyId, first.keyId);
      const token = signJwt(claims, first.privateKey);
      assert.ok(verifyJwt(token, [again.publicKey]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
