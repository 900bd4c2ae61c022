import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.ts';
import { ensureImageExists, pullPolicyOf } from './images.ts';
import { goDurationMs } from './messages.ts';
import type { ImageContext } from './images.ts';
import type { AuthConfig } from './pull-secrets.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const pod = (extra: any = {}) => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [], ...extra } });

function fixture(opts: { present?: string[]; password?: string; secrets?: Record<string, any> } = {}) {
  const events: string[] = [];
  const pulls: { image: string; auth?: AuthConfig }[] = [];
  const present = new Set(opts.present ?? []);
  const ctx: ImageContext = {
    backoff: new Backoff(10_000, 300_000),
    cri: {
      imageStatus: async (image) => (present.has(image.replace(/^sha256:/, '')) ? { id: `sha256:${image}`, size: '42' } as any : undefined),
      pullImage: async (image, _sb, auth) => {
        pulls.push({ image, auth });
        if (opts.password !== undefined && auth?.password !== opts.password) {
          throw Object.assign(new Error('unauthorized'), { code: 2, details: `failed to pull and unpack image "${image}": 401 Unauthorized` });
        }
        present.add(image);
        return `sha256:${image}`;
      },
    },
    secrets: { secret: async (n) => opts.secrets?.[n], serviceAccount: async () => undefined },
    event: (type, reason, message) => events.push(`${type} ${reason} ${message}`),
    log: () => undefined,
    errorText: (err: any) => `rpc error: code = Unknown desc = ${err.details}`,
  };
  return { ctx, events, pulls };
}

describe('ensureImageExists', () => {
  it('defaults the pull policy as the API does', () => {
    assert.equal(pullPolicyOf({ image: 'busybox' }), 'Always');
    assert.equal(pullPolicyOf({ image: 'busybox:latest' }), 'Always');
    assert.equal(pullPolicyOf({ image: 'reg:5000/busybox:1' }), 'IfNotPresent');
    assert.equal(pullPolicyOf({ image: 'reg:5000/busybox' }), 'Always');
    assert.equal(pullPolicyOf({ image: 'busybox', imagePullPolicy: 'Never' }), 'Never');
    assert.deepEqual(['0s', '850ms', '1.5s', '2m3.004s'], [0, 850, 1500, 123_004].map(goDurationMs));
  });

  it('uses a present image under IfNotPresent and Never, and refuses a missing one under Never', async () => {
    const f = fixture({ present: ['img:1'] });
    assert.deepEqual(await ensureImageExists(f.ctx, pod(), { image: 'img:1' }, {}), { imageRef: 'sha256:img:1', status: { id: 'sha256:img:1', size: '42' } });
    assert.deepEqual(await ensureImageExists(f.ctx, pod(), { image: 'img:1', imagePullPolicy: 'Never' }, {}), { imageRef: 'sha256:img:1', status: { id: 'sha256:img:1', size: '42' } });
    const never = await ensureImageExists(f.ctx, pod(), { image: 'other:1', imagePullPolicy: 'Never' }, {});
    assert.deepEqual(never, { waiting: { reason: 'ErrImageNeverPull', message: 'Container image "other:1" is not present with pull policy of Never' } });
    assert.equal(f.pulls.length, 0);
    assert.deepEqual(f.events, [
      'Normal Pulled Container image "img:1" already present on machine',
      'Normal Pulled Container image "img:1" already present on machine',
      'Warning ErrImageNeverPull Container image "other:1" is not present with pull policy of Never',
      'Warning Failed Error: ErrImageNeverPull',
    ]);
  });

  it('pulls under Always even when present, with the credentials of the matching pull secret', async () => {
    const secret = {
      type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'reg' },
      data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'reg.local:5000': { auth: b64('alice:right') }, 'elsewhere.io': { username: 'x', password: 'y' } } })) },
    };
    const f = fixture({ present: ['reg.local:5000/app:1'], password: 'right', secrets: { reg: secret } });
    const r = await ensureImageExists(f.ctx, pod({ imagePullSecrets: [{ name: 'reg' }, { name: 'gone' }] }), { image: 'reg.local:5000/app:1', imagePullPolicy: 'Always' }, {});
    assert.deepEqual(r, { imageRef: 'sha256:reg.local:5000/app:1', status: { id: 'sha256:sha256:reg.local:5000/app:1', size: '42' } });
    assert.deepEqual(f.pulls, [{ image: 'reg.local:5000/app:1', auth: { username: 'alice', password: 'right' } }]);
    assert.equal(f.events[0], 'Normal Pulling Pulling image "reg.local:5000/app:1"');
    assert.equal(f.events[1], 'Warning FailedToRetrieveImagePullSecret Unable to retrieve some image pull secrets (gone); attempting to pull the image may not succeed.');
    assert.match(f.events[2], /^Normal Pulled Successfully pulled image "reg\.local:5000\/app:1" in \d+m?s \(\d+m?s including waiting\)\. Image size: 42 bytes\.$/);
  });

  it('fails with ErrImagePull, then backs off with the last error, then tries again', async () => {
    const f = fixture({ password: 'right' });
    const c = { image: 'reg.local:5000/app' };
    const first = await ensureImageExists(f.ctx, pod(), c, {}) as any;
    const err = 'rpc error: code = Unknown desc = failed to pull and unpack image "reg.local:5000/app:latest": 401 Unauthorized';
    assert.deepEqual(first, { waiting: { reason: 'ErrImagePull', message: err }, retryInMs: 10_000 });
    const second = await ensureImageExists(f.ctx, pod(), c, {}) as any;
    assert.equal(second.waiting.reason, 'ImagePullBackOff');
    assert.equal(second.waiting.message, `Back-off pulling image "reg.local:5000/app:latest": ErrImagePull: ${err}`);
    assert.ok(second.retryInMs > 9000 && second.retryInMs <= 10_000);
    assert.equal(f.pulls.length, 1);
    assert.deepEqual(f.events, [
      'Normal Pulling Pulling image "reg.local:5000/app:latest"',
      `Warning Failed Failed to pull image "reg.local:5000/app:latest": ${err}`,
      'Warning Failed Error: ErrImagePull',
      'Normal BackOff Back-off pulling image "reg.local:5000/app:latest"',
      'Warning Failed Error: ImagePullBackOff',
    ]);
  });
});
