import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodTokens, requiresRefresh } from './tokens.ts';
import type { RequestToken } from './tokens.ts';

const H = 3600 * 1000;

describe('requiresRefresh', () => {
  const cases: [string, { issuedAt: number; expiresAt: number }, number, boolean][] = [
    ['fresh', { issuedAt: 0, expiresAt: H }, 0.5 * H, false],
    ['just before 80%', { issuedAt: 0, expiresAt: H }, 0.79 * H, false],
    ['at 80% of the lifetime', { issuedAt: 0, expiresAt: H }, 0.8 * H, true],
    ['expired', { issuedAt: 0, expiresAt: H }, 2 * H, true],
    ['a week-long token after 24 h', { issuedAt: 0, expiresAt: 168 * H }, 24 * H, true],
    ['a week-long token after 23 h', { issuedAt: 0, expiresAt: 168 * H }, 23 * H, false],
  ];
  for (const [name, e, now, want] of cases) it(name, () => assert.equal(requiresRefresh(e, now), want));
});

describe('PodTokens', () => {
  const pod = { metadata: { name: 'web', namespace: 'prod', uid: 'u1' }, spec: { serviceAccountName: 'default' } };
  function fixture() {
    let now = 1_000_000;
    let n = 0;
    let fail = false;
    const requests: any[] = [];
    const request: RequestToken = async (p, s) => {
      requests.push({ pod: p.metadata.name, ...s });
      if (fail) throw new Error('connection refused');
      n++;
      return { token: `t${n}`, expirationTimestamp: new Date(now + (s.expirationSeconds ?? 3600) * 1000).toISOString(), expirationSeconds: s.expirationSeconds ?? 3600 };
    };
    const tokens = new PodTokens(() => now);
    return { tokens, request, requests, advance: (ms: number) => { now += ms; }, setFail: (f: boolean) => { fail = f; } };
  }

  it('caches per source and asks again after 80% of the lifetime', async () => {
    const f = fixture();
    const src = { expirationSeconds: 3607 };
    assert.equal(await f.tokens.get(pod, src, f.request), 't1');
    f.advance(0.5 * H);
    assert.equal(await f.tokens.get(pod, src, f.request), 't1');
    assert.equal(await f.tokens.get(pod, { audience: 'vault', expirationSeconds: 600 }, f.request), 't2');
    f.advance(0.31 * H);
    assert.equal(await f.tokens.get(pod, src, f.request), 't3');
    assert.deepEqual(f.requests, [{ pod: 'web', expirationSeconds: 3607 }, { pod: 'web', audience: 'vault', expirationSeconds: 600 }, { pod: 'web', expirationSeconds: 3607 }]);
  });

  it('keeps a still-valid token when a refresh fails, and fails once it expired', async () => {
    const f = fixture();
    const src = { expirationSeconds: 3600 };
    assert.equal(await f.tokens.get(pod, src, f.request), 't1');
    f.setFail(true);
    f.advance(0.9 * H);
    assert.equal(await f.tokens.get(pod, src, f.request), 't1');
    f.advance(0.2 * H);
    await assert.rejects(f.tokens.get(pod, src, f.request), /^Error: failed to fetch token: connection refused$/);
  });

  it('forgets a pod\'s tokens at teardown', async () => {
    const f = fixture();
    await f.tokens.get(pod, {}, f.request);
    f.tokens.forget('u1');
    assert.equal(await f.tokens.get(pod, {}, f.request), 't2');
  });
});
