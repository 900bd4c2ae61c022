import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStorageError } from './backend.ts';
import { decodeContinue, encodeContinue, nextKeyAfter } from './continue.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('continue tokens', () => {
  it('encode as unpadded base64url JSON with the key relative to the prefix, and round-trip', () => {
    const token = encodeContinue(nextKeyAfter('/registry/pods/ns/b'), '/registry/pods/', 42);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(JSON.parse(Buffer.from(token, 'base64url').toString()), { v: 'meta.k8s.io/v1', rv: 42, start: 'ns/b\u0000' });
    assert.deepEqual(decodeContinue(token, '/registry/pods/'), { startKey: '/registry/pods/ns/b\u0000', revision: 42 });
    const uni = encodeContinue('/u/日本😀', '/u/', 7);
    assert.deepEqual(decodeContinue(uni, '/u/'), { startKey: '/u/日本😀', revision: 7 });
  });

  it('refuses to encode a key outside the prefix', () => {
    assert.throws(() => encodeContinue('/other/x', '/registry/', 1), /do not match/);
  });

  const cases: [string, string, RegExp][] = [
    ['empty', '', /illegal base64/],
    ['bad alphabet', 'abc$def', /illegal base64/],
    ['std base64 padding', Buffer.from('{"v":"meta.k8s.io/v1","rv":1,"start":"a"}x').toString('base64') + '=', /illegal base64/],
    ['not json', b64('nope'), /continue key is not valid: /],
    ['json array', b64('[1]'), /not a JSON object/],
    ['wrong version', b64('{"v":"meta.k8s.io/v2","rv":1,"start":"a"}'), /server does not recognize this encoded version meta.k8s.io\/v2/],
    ['zero rv', b64('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}'), /incorrect encoded start resourceVersion \(version meta.k8s.io\/v1\)/],
    ['negative rv', b64('{"v":"meta.k8s.io/v1","rv":-3,"start":"a"}'), /incorrect encoded start resourceVersion/],
    ['fractional rv', b64('{"v":"meta.k8s.io/v1","rv":1.5,"start":"a"}'), /incorrect encoded start resourceVersion/],
    ['string rv', b64('{"v":"meta.k8s.io/v1","rv":"5","start":"a"}'), /incorrect encoded start resourceVersion/],
    ['empty start', b64('{"v":"meta.k8s.io/v1","rv":1,"start":""}'), /encoded start key empty/],
    ['dot-dot start', b64('{"v":"meta.k8s.io/v1","rv":1,"start":"../secrets/x"}'), /escapes the listed prefix/],
    ['inner dot-dot', b64('{"v":"meta.k8s.io/v1","rv":1,"start":"ns/../../x"}'), /escapes the listed prefix/],
    ['absolute start', b64('{"v":"meta.k8s.io/v1","rv":1,"start":"/registry/secrets"}'), /escapes the listed prefix/],
  ];
  for (const [name, token, msg] of cases) {
    it(`rejects a token with ${name}`, () => {
      assert.throws(() => decodeContinue(token, '/registry/pods/'), (err) => {
        assert.ok(isStorageError(err, 'InvalidContinue'), String(err));
        assert.match((err as Error).message, /^continue key is not valid/);
        assert.match((err as Error).message, msg);
        return true;
      });
    });
  }
});
