import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { downwardPayload, keyPayload, volumePayload, CONFIGMAP_MISSING_KEY } from './projection.ts';
import type { ObjectSource } from './projection.ts';
import { resourceFieldValue } from './downward.ts';

const alloc = { cpuMilli: 4000, memoryBytes: 8 * 2 ** 30, ephemeralStorageBytes: 100 * 2 ** 30 };
const text = (p: Map<string, { data: Buffer; mode: number }>) => Object.fromEntries([...p].map(([k, v]) => [k, [v.data.toString(), v.mode.toString(8)]]));

const pod = {
  metadata: { name: 'web', namespace: 'prod', uid: 'u1', labels: { b: '2', a: 'x"y' }, annotations: { note: 'hi' } },
  spec: { containers: [{ name: 'c', resources: { requests: { cpu: '250m', memory: '100Mi' }, limits: { memory: '1Gi' } } }] },
};

const objects: Record<string, any> = {
  'cm/cfg': { data: { 'app.conf': 'port=80', other: 'o' }, binaryData: { bin: Buffer.from([1, 2]).toString('base64') } },
  'secret/creds': { data: { password: Buffer.from('s3cret').toString('base64') } },
};
const src: ObjectSource = {
  configMap: async (n) => objects[`cm/${n}`], secret: async (n) => objects[`secret/${n}`],
  serviceAccountToken: async (p, s) => `token-of-${p.metadata.name}:${s.audience ?? ''}:${s.expirationSeconds}`,
};

describe('keyPayload', () => {
  const data = new Map([['k1', Buffer.from('v1')], ['k2', Buffer.from('v2')]]);
  it('every key at defaultMode, or 0644', () => {
    assert.deepEqual(text(keyPayload(data, undefined, undefined, false, '')), { k1: ['v1', '644'], k2: ['v2', '644'] });
    assert.deepEqual(text(keyPayload(data, [], 0o400, false, '')), { k1: ['v1', '400'], k2: ['v2', '400'] });
  });
  it('items pick keys, rename them and set their own mode', () => {
    assert.deepEqual(text(keyPayload(data, [{ key: 'k2', path: 'dir/two', mode: 0o600 }], 0o440, false, '')), { 'dir/two': ['v2', '600'] });
  });
  it('a missing item key fails unless optional', () => {
    assert.throws(() => keyPayload(data, [{ key: 'nope', path: 'x' }], undefined, false, CONFIGMAP_MISSING_KEY), /^Error: configmap references non-existent config key: nope$/);
    assert.deepEqual(text(keyPayload(data, [{ key: 'nope', path: 'x' }, { key: 'k1', path: 'y' }], undefined, true, '')), { y: ['v1', '644'] });
  });
});

describe('volumePayload', () => {
  it('configMap data and binaryData; secret data decoded', async () => {
    assert.deepEqual(text(await volumePayload(pod, { configMap: { name: 'cfg' } }, src, alloc)), { 'app.conf': ['port=80', '644'], other: ['o', '644'], bin: ['\x01\x02', '644'] });
    assert.deepEqual(text(await volumePayload(pod, { secret: { secretName: 'creds', defaultMode: 0o400 } }, src, alloc)), { password: ['s3cret', '400'] });
  });
  const errors: [string, any, RegExp | null][] = [
    ['missing configMap', { configMap: { name: 'x' } }, /^Error: configmap "x" not found$/],
    ['missing optional configMap', { configMap: { name: 'x', optional: true } }, null],
    ['missing secret', { secret: { secretName: 'x' } }, /^Error: secret "x" not found$/],
    ['missing secret key', { secret: { secretName: 'creds', items: [{ key: 'user', path: 'u' }] } }, /^Error: references non-existent secret key: user$/],
    ['projected with a missing configMap', { projected: { sources: [{ secret: { name: 'creds' } }, { configMap: { name: 'x' } }] } }, /^Error: configmap "x" not found$/],
  ];
  for (const [name, vol, want] of errors) {
    it(name, async () => {
      if (want) await assert.rejects(volumePayload(pod, vol, src, alloc), want);
      else assert.deepEqual(text(await volumePayload(pod, vol, src, alloc)), {});
    });
  }
  it('projected merges its sources with the volume defaultMode', async () => {
    const vol = { projected: { defaultMode: 0o440, sources: [
      { configMap: { name: 'cfg', items: [{ key: 'other', path: 'o.txt' }] } },
      { secret: { name: 'creds', items: [{ key: 'password', path: 'pw', mode: 0o400 }] } },
      { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { serviceAccountToken: { path: 'vault/token', audience: 'vault', expirationSeconds: 600 } },
    ] } };
    assert.deepEqual(text(await volumePayload(pod, vol, src, alloc)), {
      'o.txt': ['o', '440'], pw: ['s3cret', '400'], name: ['web', '440'], token: ['token-of-web::3607', '440'], 'vault/token': ['token-of-web:vault:600', '440'],
    });
  });
  it('a token projection fails when no token can be had', async () => {
    const vol = { projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } };
    await assert.rejects(volumePayload(pod, vol, { ...src, serviceAccountToken: undefined }, alloc), /^Error: service account token projection is not available on this node$/);
    const failing = { ...src, serviceAccountToken: async () => { throw new Error('failed to fetch token: serviceaccounts "default" not found'); } };
    await assert.rejects(volumePayload(pod, vol, failing, alloc), /^Error: failed to fetch token: serviceaccounts "default" not found$/);
  });
});

describe('downward API', () => {
  it('pod fields as files: labels sorted and quoted, subscripts, uid', () => {
    const p = downwardPayload(pod, [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'note', fieldRef: { fieldPath: "metadata.annotations['note']" } },
      { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' }, mode: 0o400 },
      { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
    ], undefined, alloc);
    assert.deepEqual(text(p), { labels: ['a="x\\"y"\nb="2"', '644'], note: ['hi', '644'], uid: ['u1', '400'], mem: ['1024', '644'] });
  });
  const resources: [string, string | undefined, string][] = [
    ['requests.cpu', undefined, '1'], ['requests.cpu', '1m', '250'], ['limits.cpu', undefined, '4'], ['limits.cpu', '1m', '4000'],
    ['requests.memory', undefined, String(100 * 2 ** 20)], ['limits.memory', '1Gi', '1'], ['requests.ephemeral-storage', undefined, '0'],
    ['limits.ephemeral-storage', '1Gi', '100'],
  ];
  for (const [res, div, want] of resources) {
    it(`${res} / ${div ?? '1'} = ${want}`, () => assert.equal(resourceFieldValue(pod, 'c', res, div, alloc), want));
  }
  it('unknown container and resource', () => {
    assert.throws(() => resourceFieldValue(pod, 'zz', 'limits.cpu', undefined, alloc), /container zz not found/);
    assert.throws(() => resourceFieldValue(pod, 'c', 'limits.gpu', undefined, alloc), /unsupported container resource : limits.gpu/);
  });
});
