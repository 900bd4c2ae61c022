// Images from a real registry, and kubectl cp: the server's own node
// (containerd + kubelet) pulls from a private docker-registry with htpasswd
// auth, seeded by skopeo with the offline busybox image. A pull secret (the
// pod's, or its ServiceAccount's) lets the pull through; wrong credentials
// and a missing image end in ErrImagePull and then ImagePullBackOff, with
// upstream's events; pull policy Never refuses an absent image. kubectl cp
// (1.33 and 1.30) copies files both ways through tar in the container.
//
//   flock /tmp/k8ts-node-e2e.lock node --no-warnings=ExperimentalWarning --test --test-force-exit test/e2e/kubelet-images.test.ts
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, destroyCluster, waitNodeReady } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { startRegistry } from '../support/registry.ts';
import type { TestRegistry } from '../support/registry.ts';
import { configureRegistryHost } from '../../src/kubelet/containerd/registry-hosts.ts';
import { until } from '../support/wait.ts';

const NODE = 'e2e-images';

describe('images from a registry with pull secrets, and kubectl cp', { timeout: 180_000 }, () => {
  let c: TestCluster | undefined;
  let reg: TestRegistry | undefined;
  let local = '';

  const pod = (name: string, image: string, extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, command: ['sleep', '3600'], ...container }], ...extra },
  });
  const getPod = async (name: string) => JSON.parse(await c!.k(['get', 'pod', name, '-o', 'json']));
  const events = async (name: string) => JSON.parse(await c!.k(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])).items
    .map((e: any) => `${e.type} ${e.reason} ${e.message}`) as string[];

  before(async () => {
    [c, reg] = await Promise.all([
      startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.197.0.0/16'] }),
      startRegistry(),
    ]);
    // The node's containerd reaches the registry over plain HTTP.
    configureRegistryHost(join(c.dataDir, 'agent', 'containerd'), { host: reg.host, plainHttp: true });
    local = mkdtempSync(join(tmpdir(), 'k8ts-cp-'));
    await waitNodeReady(c!, NODE);
    await c.k(['create', '-f', '-'], { input: reg.pullSecret('regcred') });
    await c.k(['create', '-f', '-'], { input: reg.pullSecret('wrongcred', { user: reg.user, password: 'not-the-password' }) });
  });

  after(async () => {
    await destroyCluster(c);
    await reg?.stop();
    if (local) rmSync(local, { recursive: true, force: true });
  });

  it('pulls from the registry with the pod\'s imagePullSecret, and with its ServiceAccount\'s', async () => {
    const image = `${reg!.host}/busybox:1`;
    await c!.k(['create', '-f', '-'], { input: pod('pulled', image, { imagePullSecrets: [{ name: 'regcred' }] }) });
    await c!.k(['create', 'serviceaccount', 'puller']);
    await c!.k(['patch', 'serviceaccount', 'puller', '-p', JSON.stringify({ imagePullSecrets: [{ name: 'regcred' }] })]);
    await c!.k(['create', '-f', '-'], { input: pod('via-sa', image, { serviceAccountName: 'puller' }, { imagePullPolicy: 'Always' }) });
    await c!.k(['wait', '--for=condition=Ready', 'pod/pulled', 'pod/via-sa', '--timeout=60s']);
    const p = await getPod('pulled');
    assert.equal(p.status.phase, 'Running');
    assert.equal(p.status.containerStatuses[0].image, image);
    assert.match(p.status.containerStatuses[0].imageID, new RegExp(`^${reg!.host}/busybox@sha256:[0-9a-f]{64}$|^sha256:[0-9a-f]{64}$`));
    const ev = await events('via-sa');
    assert.ok(ev.includes(`Normal Pulling Pulling image "${image}"`), ev.join('\n'));
    assert.ok(ev.some((e) => new RegExp(`^Normal Pulled Successfully pulled image "${image}" in [\\d.]+m?s \\([\\d.]+m?s including waiting\\)\\. Image size: \\d+ bytes\\.$`).test(e)), ev.join('\n'));
  });

  // Always: the image may be on the node already, and a present image is used without credentials (as upstream does by default).
  const backsOff = async (name: string, image: string, secret: string, cause: RegExp) => {
    await c!.k(['create', '-f', '-'], { input: pod(name, image, { imagePullSecrets: [{ name: secret }] }, { imagePullPolicy: 'Always' }) });
    const w = await until(`${name} to be in ImagePullBackOff`, 30_000, async () => {
      const s = (await getPod(name)).status?.containerStatuses?.[0]?.state?.waiting;
      return s?.reason === 'ImagePullBackOff' ? s : undefined;
    });
    assert.match(w.message, new RegExp(`^Back-off pulling image "${image.replace(/[.]/g, '\\.')}": ErrImagePull: rpc error: code = \\w+ desc = failed to pull and unpack image`));
    assert.match(w.message, cause);
    const ev = await events(name);
    assert.ok(ev.some((e) => e.startsWith(`Warning Failed Failed to pull image "${image}": rpc error:`) && cause.test(e)), ev.join('\n'));
    assert.ok(ev.includes('Warning Failed Error: ErrImagePull'), ev.join('\n'));
    assert.ok(ev.includes(`Normal BackOff Back-off pulling image "${image}"`), ev.join('\n'));
    assert.ok(ev.includes('Warning Failed Error: ImagePullBackOff'), ev.join('\n'));
    assert.equal((await getPod(name)).status.phase, 'Pending');
    assert.match(await c!.k(['get', 'pod', name, '--no-headers']), /0\/1\s+(ImagePullBackOff|ErrImagePull)\s+0/);
  };

  it('wrong credentials give ErrImagePull, then ImagePullBackOff', async () => {
    await backsOff('badcreds', `${reg!.host}/busybox:1`, 'wrongcred', /401 Unauthorized/);
  });

  it('a missing image gives ErrImagePull, then ImagePullBackOff', async () => {
    await backsOff('noimage', `${reg!.host}/missing:1`, 'regcred', /not found/);
  });

  it('pull policy Never refuses an image the node does not have', async () => {
    const image = `${reg!.host}/pause:1`;
    await c!.k(['create', '-f', '-'], { input: pod('never', image, { imagePullSecrets: [{ name: 'regcred' }] }, { imagePullPolicy: 'Never' }) });
    const w = await until('ErrImageNeverPull', 20_000, async () => {
      const s = (await getPod('never')).status?.containerStatuses?.[0]?.state?.waiting;
      return s?.reason === 'ErrImageNeverPull' ? s : undefined;
    });
    assert.equal(w.message, `Container image "${image}" is not present with pull policy of Never`);
    assert.ok((await events('never')).includes(`Warning ErrImageNeverPull Container image "${image}" is not present with pull policy of Never`));
  });

  for (const binary of ['kubectl', 'kubectl.1.30']) {
    it(`${binary} cp copies a file and a directory into the pod and back`, async () => {
      const tag = binary.replace(/\W/g, '');
      const src = join(local, `in-${tag}`);
      mkdirSync(join(src, 'sub'), { recursive: true });
      writeFileSync(join(src, 'a.txt'), `hello from ${binary}\n`);
      writeFileSync(join(src, 'sub', 'b.bin'), Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)));
      const up = await c!.kubectl(['cp', join(src, 'a.txt'), `pulled:/tmp/a-${tag}.txt`], { binary });
      assert.equal(up.code, 0, up.stderr);
      assert.equal(await c!.k(['exec', 'pulled', '--', 'cat', `/tmp/a-${tag}.txt`]), `hello from ${binary}\n`);
      const dirUp = await c!.kubectl(['cp', src, `pulled:/tmp/dir-${tag}`], { binary });
      assert.equal(dirUp.code, 0, dirUp.stderr);
      assert.equal((await c!.k(['exec', 'pulled', '--', 'wc', '-c', `/tmp/dir-${tag}/sub/b.bin`])).trim().split(/\s+/)[0], '70000');
      // And back out: the file, then the whole directory.
      const back = join(local, `back-${tag}.txt`);
      const down = await c!.kubectl(['cp', `pulled:/tmp/a-${tag}.txt`, back], { binary });
      assert.equal(down.code, 0, down.stderr);
      assert.equal(readFileSync(back, 'utf8'), `hello from ${binary}\n`);
      const backDir = join(local, `backdir-${tag}`);
      const dirDown = await c!.kubectl(['cp', `pulled:/tmp/dir-${tag}`, backDir], { binary });
      assert.equal(dirDown.code, 0, dirDown.stderr);
      assert.deepEqual(readFileSync(join(backDir, 'sub', 'b.bin')), readFileSync(join(src, 'sub', 'b.bin')));
      assert.equal(readFileSync(join(backDir, 'a.txt'), 'utf8'), `hello from ${binary}\n`);
    });
  }
});
