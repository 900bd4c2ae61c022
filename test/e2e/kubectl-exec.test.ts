// kubectl exec, attach and port-forward against the server's own node: the
// apiserver proxies the upgrade to the kubelet. A SPDY upgrade goes on to
// containerd's CRI streaming server unchanged; a WebSocket one (kubectl
// 1.30+ for exec/attach, v5.channel.k8s.io; 1.31+ for port-forward, a SPDY
// session tunnelled in a WebSocket) the kubelet ends and translates to SPDY.
// kubectl falls back to SPDY silently when a WebSocket upgrade is refused,
// so the tests read kubectl's -v=8 log for the protocol the server chose.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startCluster, destroyCluster, KUBECTL_ENV, killGroup, run, waitNodeReady } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';
import { until } from '../support/wait.ts';

const NODE = 'e2e-exec';

/**
 * The WebSocket subprotocol kubectl's exec/attach client settled on, from its
 * -v=8 log; undefined when it fell back to SPDY (whose 101 carries
 * X-Stream-Protocol-Version instead).
 */
function wsProtocol(log: string): string | undefined {
  return /The subprotocol is (\S+)/.exec(log)?.[1];
}

const SHELL = `apiVersion: v1
kind: Pod
metadata: {name: shell}
spec:
  restartPolicy: Never
  containers:
  - {name: shell, image: k8ts.local/busybox:1, command: [sh], stdin: true, tty: true}
`;

describe('kubectl exec, attach and port-forward through the kubelet and containerd', { timeout: 240_000 }, () => {
  let c: TestCluster | undefined;
  before(async () => {
    c = await startCluster({ agent: true, extraArgs: ['--node-name', NODE, '--cluster-cidr', '10.198.0.0/16'] });
    await waitNodeReady(c!, NODE);
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

    it(`${binary} exec goes over WebSocket v5.channel.k8s.io, stdin's end and exit code included`, async () => {
      const r = await c!.kubectl(['-v=8', 'exec', '-i', 'web', '--', 'sh', '-c', 'cat; exit 4'], { binary, input: 'via ws\n', timeoutMs: 30_000 });
      assert.equal(r.code, 4, r.stderr);
      assert.equal(r.stdout, 'via ws\n');
      assert.equal(wsProtocol(r.stderr), 'v5.channel.k8s.io', r.stderr.slice(-3000));
    });

    it(`${binary} exec -it allocates a terminal and applies its size`, async () => {
      // script(1) gives kubectl a real terminal (of a known size) to put in raw mode.
      const cmd = `stty cols 123 rows 45; ${binary} --kubeconfig ${c!.kubeconfig} -v=8 exec -it web -- sh -c 'tty; echo TERM=$TERM; sleep 1; stty size; exit 5'`;
      const r = await run('script', ['-qec', cmd, '/dev/null'], { timeoutMs: 30_000 });
      assert.equal(r.code, 5, r.stdout + r.stderr);
      // kubectl writes a NUL to stdin as the stream opens, which the container's terminal echoes as "^@".
      const out = r.stdout.replaceAll('^@', '');
      assert.match(out, /^\/dev\/pts\/\d+\r?$/m);
      assert.match(out, /^TERM=\S+\r?$/m);
      assert.match(out, /^45 123\r?$/m);
      assert.equal(wsProtocol(r.stdout), 'v5.channel.k8s.io', r.stdout.slice(-3000));
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
    const at = spawn('kubectl', ['--kubeconfig', c!.kubeconfig, '-v=8', 'attach', 'ticker'], { env: KUBECTL_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    at.stdout.on('data', (d) => { out += d; });
    at.stderr.on('data', (d) => { out += d; });
    try {
      // Attach shows what the container writes from now on, not its log.
      await until('two ticks through attach', 15_000, async () => (out.match(/^tick \d+$/gm) ?? []).length >= 2);
    } finally {
      killGroup(at);
    }
    assert.equal(wsProtocol(out), 'v5.channel.k8s.io', out.slice(-3000));
  });

  it('attach -it talks to a container\'s terminal over WebSocket', async () => {
    await c!.k(['apply', '-f', '-'], { input: SHELL });
    await c!.k(['wait', '--for=condition=Ready', 'pod/shell', '--timeout=60s']);
    const r = await run('script', ['-qec', `kubectl --kubeconfig ${c!.kubeconfig} -v=8 attach -it shell 2>&1`, '/dev/null'], { input: 'echo $((6*7))\nexit\n', timeoutMs: 30_000 });
    assert.match(r.stdout, /^42\r?$/m, r.stdout.slice(-3000));
    assert.equal(wsProtocol(r.stdout), 'v5.channel.k8s.io', r.stdout.slice(-3000));
    await c!.k(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/shell', '--timeout=30s']);
  });

  for (const [binary, port] of [['kubectl', 18080], ['kubectl.1.30', 18081]] as const) {
    it(`${binary} port-forwards a local port to the pod`, async () => {
      const pf = spawn(binary, ['--kubeconfig', c!.kubeconfig, '-v=8', 'port-forward', 'pod/web', `${port}:8080`], { env: KUBECTL_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
      // kubectl's own messages, not its -v=8 log lines (klog's "I1123 …" prefix), must carry no error.
      assert.doesNotMatch(out.split('\n').filter((l) => !/^[IWE]\d{4} /.test(l)).join('\n'), /error/i, out.slice(-3000));
      // 1.31+ tunnels its SPDY session through a WebSocket; 1.30 speaks SPDY.
      // (client-go's tunneling dialer logs the protocol it negotiated inside the WebSocket.)
      const tunnelled = /negotiated protocol: portforward\.k8s\.io/.test(out);
      assert.equal(tunnelled, binary === 'kubectl', out.slice(-3000));
    });
  }
});
