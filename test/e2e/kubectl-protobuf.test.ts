// kubectl's typed clients (create <kind>, auth can-i, auth whoami, …) send
// their bodies as application/vnd.kubernetes.protobuf and do not fall back to
// JSON. Each object kubectl builds must arrive whole: everything that
// `--dry-run=client` shows must be in what the server stored.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse } from 'yaml';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startCluster, destroyCluster, K8TS } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';

/** Every non-null value in `want` is in `got` (servers add defaults and metadata; arrays must match in length). */
function assertContains(got: unknown, want: unknown, path: string): void {
  if (want === null) return; // kubectl prints creationTimestamp: null for "unset"
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${path}: want an array, got ${JSON.stringify(got)}`);
    assert.equal(got.length, want.length, `${path}: length`);
    want.forEach((w, i) => assertContains(got[i], w, `${path}[${i}]`));
  } else if (typeof want === 'object') {
    assert.ok(typeof got === 'object' && got !== null && !Array.isArray(got), `${path}: want an object, got ${JSON.stringify(got)}`);
    for (const [k, w] of Object.entries(want)) assertContains((got as Record<string, unknown>)[k], w, `${path}.${k}`);
  } else {
    assert.deepStrictEqual(got, want, path);
  }
}

const CREATES: { args: string[]; get: string[]; check?: (obj: any) => void }[] = [
  { args: ['create', 'namespace', 'pb-ns'], get: ['namespace', 'pb-ns'] },
  { args: ['create', 'configmap', 'c', '--from-literal=a=b', '--from-literal=n=1'], get: ['configmap', 'c'] },
  { args: ['create', 'secret', 'generic', 's', '--from-literal=p=q'], get: ['secret', 's'], check: (o) => assert.equal(o.data.p, 'cQ==') },
  { args: ['create', 'deployment', 'd', '--image=nginx', '--replicas=2', '--port=8080'], get: ['deployment', 'd'] },
  { args: ['create', 'deployment', 'zero', '--image=nginx', '--replicas=0'], get: ['deployment', 'zero'], check: (o) => assert.equal(o.spec.replicas, 0) },
  { args: ['create', 'service', 'clusterip', 's', '--tcp=80:8080'], get: ['service', 's'], check: (o) => assert.equal(o.spec.ports[0].targetPort, 8080) },
  { args: ['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'], get: ['job', 'j'] },
  { args: ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/1 * * * *'], get: ['cronjob', 'cj'] },
  { args: ['create', 'role', 'r', '--verb=get,list', '--resource=pods'], get: ['role', 'r'] },
  { args: ['create', 'rolebinding', 'rb', '--role=r', '--user=alice'], get: ['rolebinding', 'rb'] },
  { args: ['create', 'serviceaccount', 'sa'], get: ['serviceaccount', 'sa'] },
  // In its own namespace: a cpu quota in default would (rightly) refuse the later tests' pods without requests.
  { args: ['create', 'quota', 'q', '-n', 'pb-ns', '--hard=pods=10,requests.cpu=500m'], get: ['resourcequota', 'q', '-n', 'pb-ns'] },
  { args: ['create', 'poddisruptionbudget', 'pdb', '--selector=app=d', '--max-unavailable=25%'], get: ['pdb', 'pdb'],
    check: (o) => assert.equal(o.spec.maxUnavailable, '25%') },
  { args: ['create', 'priorityclass', 'pc', '--value=1000', '--description=high'], get: ['priorityclass', 'pc'] },
  { args: ['create', 'ingress', 'ing', '--rule=foo.com/bar=svc1:8080'], get: ['ingress', 'ing'] },
];

describe('kubectl typed clients send protobuf bodies', { timeout: 240_000 }, () => {
  let c: TestCluster;
  let hollow: ChildProcess | undefined;
  before(async () => { c = await startCluster(); });
  after(async () => {
    hollow?.kill('SIGTERM');
    await destroyCluster(c);
  });

  async function until(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  for (const t of CREATES) {
    it(`kubectl ${t.args.join(' ')}`, async () => {
      const dash = t.args.includes('--') ? t.args.indexOf('--') : t.args.length;
      const planned = JSON.parse(await c.k([...t.args.slice(0, dash), '--dry-run=client', '-o', 'json', ...t.args.slice(dash)]));
      // The server owns status: create resets it, as upstream's strategies do.
      delete planned.status;
      const created = await c.kubectl(t.args);
      assert.equal(created.code, 0, `${created.stderr}${c.logs().slice(-2000)}`);
      const stored = JSON.parse(await c.k(['get', ...t.get, '-o', 'json']));
      assertContains(stored, planned, t.get.join('/'));
      t.check?.(stored);
    });
  }

  it('kubectl auth can-i (SelfSubjectAccessReview)', async () => {
    assert.equal((await c.k(['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
    assert.equal((await c.k(['auth', 'can-i', 'delete', 'nodes', '--all-namespaces'])).trim(), 'yes');
  });

  it('kubectl auth whoami (SelfSubjectReview)', async () => {
    const who = JSON.parse(await c.k(['auth', 'whoami', '-o', 'json']));
    assert.equal(who.kind, 'SelfSubjectReview');
    assert.ok(who.status.userInfo.username, JSON.stringify(who));
  });

  it('kubectl drain (Eviction, with DeleteOptions inside)', async () => {
    hollow = spawn(K8TS, ['hollow', '--kubeconfig', c.kubeconfig, '--nodes', '1'], { stdio: 'ignore', env: { ...process.env, K8TS_LOG: 'quiet' } });
    await c.k(['create', 'deployment', 'drained', '--image=nginx', '--replicas=1']);
    const running = async () => (await c.k(['get', 'pods', '-l', 'app=drained', '--field-selector=status.phase=Running', '-o', 'name'])).trim();
    await until('a Running pod on the hollow node', 60_000, async () => (await running()) !== '');
    const before = await running();
    // Only this test's pods: deployment d's pods may land on hollow-0 too, and
    // the PDB created above rightly blocks evicting both of them from the one node.
    const out = await c.k(['drain', 'hollow-0', '--ignore-daemonsets', '--pod-selector=app=drained', '--timeout=60s']);
    assert.match(out, /evicted/);
    assert.match(out, /node\/hollow-0 drained/);
    assert.ok(!(await c.k(['get', 'pods', '-l', 'app=drained', '-o', 'name'])).includes(before), 'the evicted pod is gone');
  });

  it('a malformed protobuf body is a 400 BadRequest Status', async () => {
    const kc = parse(readFileSync(c.kubeconfig, 'utf8'));
    const b64 = (v: string) => Buffer.from(v, 'base64');
    const res = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(`${kc.clusters[0].cluster.server}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
        cert: b64(kc.users[0].user['client-certificate-data']),
        key: b64(kc.users[0].user['client-key-data']),
        headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/json' },
      }, (r) => {
        let text = '';
        r.on('data', (d) => { text += d; });
        r.on('end', () => resolve({ code: r.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x80]));
    });
    assert.equal(res.code, 400, res.body);
    const status = JSON.parse(res.body);
    assert.equal(status.reason, 'BadRequest');
    assert.match(status.message, /not a valid protobuf object: unexpected EOF/);
  });
});
