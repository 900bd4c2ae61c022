import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caHash, ensureJoinToken, formatToken, inClusterCIDR, nextFreeSlash24, parseToken } from './join-token.ts';

const HASH = 'ab'.repeat(32);

describe('parseToken', () => {
  const ok: [string, string, { caHash: string; username: string; password: string }][] = [
    ['secure form', `K10${HASH}::server:s3cret`, { caHash: HASH, username: 'server', password: 's3cret' }],
    ['upper-case hash is normalised', `K10${HASH.toUpperCase()}::node:pw`, { caHash: HASH, username: 'node', password: 'pw' }],
    ['password may hold colons', `K10${HASH}::server:a:b:c`, { caHash: HASH, username: 'server', password: 'a:b:c' }],
    ['surrounding white space (a file\'s newline)', `  K10${HASH}::server:pw\n`, { caHash: HASH, username: 'server', password: 'pw' }],
    ['short form is the bare password', 'justapassword', { caHash: '', username: 'node', password: 'justapassword' }],
  ];
  for (const [name, raw, want] of ok) it(`parses the ${name}`, () => assert.deepEqual(parseToken(raw), want));

  const bad: [string, string, RegExp][] = [
    ['empty', '   ', /empty/],
    ['K10 without ::', `K10${HASH}server:pw`, /must look like K10<sha256 hex>::server:<password>/],
    ['short hash', 'K10abc::server:pw', /64 hex digits/],
    ['non-hex hash', `K10${'zz'.repeat(32)}::server:pw`, /64 hex digits/],
    ['no user', `K10${HASH}:::pw`, /<user>:<password>/],
    ['no password', `K10${HASH}::server:`, /<user>:<password>/],
    ['no colon after ::', `K10${HASH}::serverpw`, /<user>:<password>/],
    ['short form with a space', 'pass word', /white space/],
  ];
  for (const [name, raw, re] of bad) it(`refuses ${name}`, () => assert.throws(() => parseToken(raw), re));

  it('hashes with sha256 in lower-case hex', () => {
    assert.equal(caHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('round-trips with formatToken', () => {
    const t = { caHash: HASH, username: 'server', password: 'x1' };
    assert.equal(formatToken(t), `K10${HASH}::server:x1`);
    assert.deepEqual(parseToken(formatToken(t)), t);
  });
});

describe('ensureJoinToken', () => {
  it('writes K10<sha256 of the CA PEM>::server:<32 hex> with mode 0600 and keeps the password across calls', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-token-'));
    try {
      const path = join(dir, 'token');
      const ca = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
      const t = ensureJoinToken(path, ca);
      assert.match(t.password, /^[0-9a-f]{32}$/);
      assert.equal(t.caHash, caHash(ca));
      assert.equal(readFileSync(path, 'utf8'), `K10${caHash(ca)}::server:${t.password}\n`);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.deepEqual(ensureJoinToken(path, ca), t);
      // A new CA keeps the password but the hash follows the CA.
      const again = ensureJoinToken(path, `${ca}x`);
      assert.equal(again.password, t.password);
      assert.notEqual(again.caHash, t.caHash);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a corrupt token file rather than silently replacing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-token-'));
    try {
      writeFileSync(join(dir, 'token'), 'K10nothex::server:pw');
      assert.throws(() => ensureJoinToken(join(dir, 'token'), 'ca'), /malformed.*remove the file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pod CIDR arithmetic', () => {
  const cases: [string, string, string[], string][] = [
    ['first of a /16', '10.42.0.0/16', [], '10.42.0.0/24'],
    ['skips taken ones', '10.42.0.0/16', ['10.42.0.0/24', '10.42.1.0/24'], '10.42.2.0/24'],
    ['fills a hole', '10.42.0.0/16', ['10.42.0.0/24', '10.42.2.0/24'], '10.42.1.0/24'],
    ['host bits in the range are ignored', '10.42.7.9/16', ['10.42.0.0/24'], '10.42.1.0/24'],
    ['crosses an octet in a /8', '10.0.0.0/8', Array.from({ length: 256 }, (_, i) => `10.0.${i}.0/24`), '10.1.0.0/24'],
    ['a /24 range has one', '192.168.5.0/24', [], '192.168.5.0/24'],
  ];
  for (const [name, range, taken, want] of cases) it(name, () => assert.equal(nextFreeSlash24(range, taken), want));

  it('says so when the range is full', () => {
    assert.throws(() => nextFreeSlash24('10.42.0.0/23', ['10.42.0.0/24', '10.42.1.0/24']), /10\.42\.0\.0\/23 has no free \/24 left \(2 in use\)/);
  });
  it('refuses ranges it cannot split into /24s', () => {
    for (const bad of ['10.42.0.0/25', '10.42.0.0', 'fd00::/48', '300.1.0.0/16']) assert.throws(() => nextFreeSlash24(bad, []), /IPv4 range of \/8 to \/24/);
  });
  it('knows which /24s lie in the range', () => {
    assert.equal(inClusterCIDR('10.42.0.0/16', '10.42.200.0/24'), true);
    assert.equal(inClusterCIDR('10.42.0.0/16', '10.43.0.0/24'), false);
    assert.equal(inClusterCIDR('10.42.0.0/16', '10.42.0.0/25'), false);
  });
});
