// kubectl exec, attach and port-forward against the server's own node: the
// apiserver proxies the upgrade to the kubelet, which proxies it to
// containerd's CRI streaming server. kubectl 1.33 tries WebSocket (v5)
// first and falls back to SPDY when the upgrade is refused; kubectl 1.30
// does the same or speaks SPDY directly.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startCluster, destroyCluster, KUBECTL_ENV, killGroup } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';

const NODE = 'e2e-exec';

describe('kubectl exec, attach and port-forward through the kubelet and containerd', { timeout: 240_000 }, () => {
  let c: TestCluster | undefined;
  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.198.0.0/16'] });
    await until('the node to be Ready', 60_000, async () => {
      const r = await c!.kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout === 'True';
    });
    await c!.k(['run', 'web', '--image=k8ts.local/busybox:1', '--restart=Never', '--', 'httpd', '-f', '-p', '8080']);
    await c!.k(['wait', '--for=condition=Ready', 'pod/web', '--timeout=90s']);
  });
  after(async () => { await destroyCluster(c); });

  for (const binary of ['kubectl', 'kubectl.1.30']) {
    it(`${binary} exec runs a command and passes its output and exit code`, async () => {
      const hi = await c!.kubectl(['exec', 'web', '--', 'echo', 'hi'], { binary });
      assert.equal(hi.code, 0, hi.stderr);
      assert.equal(hi.stdout, 'hi\n');
      const three = await c!.kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { binary });
      assert.equal(three.code, 3, three.stderr);
      assert.equal(three.stdout, 'out\n');
      assert.match(three.stderr, /^err\n/);
    });

    it(`${binary} exec -i passes stdin through and ends at its end`, async () => {
      const r = await c!.kubectl(['exec', '-i', 'web', '--', 'cat'], { binary, input: 'line one\nline two\n', timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'line one\nline two\n');
    });
  }

  it('answers with upstream\'s errors', async () => {
    const missing = await c!.kubectl(['exec', 'web', '-c', 'nope', '--', 'true']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /container nope is not valid for pod web/);
    const nopod = await c!.kubectl(['exec', 'ghost', '--', 'true']);
    assert.match(nopod.stderr, /pods "ghost" not found/);
    // A pod whose container never starts: the kubelet finds no running container.
    await c!.k(['run', 'pending', '--image=k8ts.local/absent:1', '--restart=Never']);
    await until('the kubelet to refuse an exec into the pending pod', 30_000, async () => {
      const r = await c!.kubectl(['exec', 'pending', '--', 'true']);
      return r.code !== 0 && r.stderr.includes('unable to upgrade connection: container not found ("pending")');
    });
  });

  it('attaches to a running container\'s output', async () => {
    await c!.k(['run', 'ticker', '--image=k8ts.local/busybox:1', '--restart=Never', '--', 'sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done']);
    await c!.k(['wait', '--for=condition=Ready', 'pod/ticker', '--timeout=60s']);
    const at = spawn('kubectl', ['--kubeconfig', c!.kubeconfig, 'attach', 'ticker'], { env: KUBECTL_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    at.stdout.on('data', (d) => { out += d; });
    at.stderr.on('data', (d) => { out += d; });
    try {
      // Attach shows what the container writes from now on, not its log.
      await until('two ticks through attach', 15_000, async () => (out.match(/^tick \d+$/gm) ?? []).length >= 2);
    } finally {
      killGroup(at);
    }
  });

  for (const [binary, port] of [['kubectl', 18080], ['kubectl.1.30', 18081]] as const) {
    it(`${binary} port-forwards a local port to the pod`, async () => {
      const pf = spawn(binary, ['--kubeconfig', c!.kubeconfig, 'port-forward', 'pod/web', `${port}:8080`], { env: KUBECTL_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let out = '';
      pf.stdout.on('data', (d) => { out += d; });
      pf.stderr.on('data', (d) => { out += d; });
      try {
        await until('port-forward to listen', 20_000, async () => out.includes(`Forwarding from 127.0.0.1:${port}`));
        // busybox httpd answers 404 for / (no index): an answer from inside the pod.
        const res = await until('an answer through the forwarded port', 10_000, async () => fetch(`http://127.0.0.1:${port}/`));
        assert.equal(res.status, 404);
        await res.text();
      } finally {
        killGroup(pf);
      }
      assert.doesNotMatch(out, /error/i, out);
    });
  }
});
