import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { connect } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../apiserver/pki/index.ts';
import type { IssuedCert } from '../../apiserver/pki/index.ts';
import { startKubeletServer } from './index.ts';
import type { KubeletServer } from './index.ts';
import { parsePorts, parseStreamIO, parseStreamPath } from './streaming.ts';
import { upgradeRequestHead } from './upgrade-proxy.ts';

describe('parseStreamPath', () => {
  const cases: [string, unknown][] = [
    ['/exec/ns/p/c', { kind: 'exec', namespace: 'ns', pod: 'p', container: 'c' }],
    ['/exec/ns/p/uid1/c', { kind: 'exec', namespace: 'ns', pod: 'p', uid: 'uid1', container: 'c' }],
    ['/attach/ns/p/c', { kind: 'attach', namespace: 'ns', pod: 'p', container: 'c' }],
    ['/portForward/ns/p', { kind: 'portForward', namespace: 'ns', pod: 'p' }],
    ['/portForward/ns/p/uid1', { kind: 'portForward', namespace: 'ns', pod: 'p', uid: 'uid1' }],
    ['/exec/ns/p', undefined],
    ['/exec/ns/p/a/b/c', undefined],
    ['/exec/ns//c', undefined],
    ['/portforward/ns/p', undefined],
    ['/containerLogs/ns/p/c', undefined],
  ];
  for (const [path, want] of cases) it(path, () => assert.deepEqual(parseStreamPath(path), want));
});

describe('parseStreamIO', () => {
  it('switches streams on with "1" and drops stderr under a tty, as upstream', () => {
    assert.deepEqual(parseStreamIO(new URLSearchParams('input=1&output=1&error=1')), { stdin: true, stdout: true, stderr: true, tty: false });
    assert.deepEqual(parseStreamIO(new URLSearchParams('output=1&error=1&tty=1')), { stdin: false, stdout: true, stderr: false, tty: true });
    assert.deepEqual(parseStreamIO(new URLSearchParams('output=true&error=1')), { stdin: false, stdout: false, stderr: true, tty: false });
  });
  it('needs at least one stream', () => {
    assert.throws(() => parseStreamIO(new URLSearchParams('tty=1&error=1')), { code: 400, message: 'you must specify at least 1 of stdin, stdout, stderr' });
  });
});

describe('parsePorts', () => {
  it('reads repeated and comma-separated ports', () => assert.deepEqual(parsePorts(new URLSearchParams('port=80&port=8080,9090')), [80, 8080, 9090]));
  it('refuses what is not a port', () => {
    assert.throws(() => parsePorts(new URLSearchParams('port=x')), { code: 400 });
    assert.throws(() => parsePorts(new URLSearchParams('port=70000')), { code: 400 });
    assert.throws(() => parsePorts(new URLSearchParams('port=0')), { code: 400, message: 'unable to parse "0" as a port: port must be > 0' });
  });
});

it('upgradeRequestHead keeps the upgrade headers and drops credentials', () => {
  const head = upgradeRequestHead('POST', ['Host', 'kubelet:10250', 'Authorization', 'Bearer x', 'Connection', 'Upgrade', 'Upgrade', 'SPDY/3.1',
    'X-Stream-Protocol-Version', 'v4.channel.k8s.io', 'X-Stream-Protocol-Version', 'channel.k8s.io', 'Impersonate-User', 'bob'], new URL('http://127.0.0.1:4000/exec/tok?x=1'));
  assert.equal(head, 'POST /exec/tok?x=1 HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n'
    + 'X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: channel.k8s.io\r\n\r\n');
});

describe('kubelet streaming over the HTTPS server', () => {
  let dir: string;
  let server: KubeletServer;
  let client: IssuedCert;
  let ca: string;
  let backend: Server;
  let backendHead = '';
  const calls: unknown[] = [];
  const pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'c' }] } };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-stream-'));
    const pki = await ensurePki({ dir: join(dir, 'tls'), hostAddresses: [] });
    ca = pki.caCertPem;
    client = await pki.issueClientCert('system:kube-apiserver-kubelet-client', ['system:masters']);
    const serving = await pki.issueServingCert('system:node:n1', ['n1', 'localhost', '127.0.0.1']);
    // A stand-in for containerd's streaming server: upgrades, then echoes in upper case.
    backend = createServer((s: Socket) => {
      let buf = '';
      const onHead = (d: Buffer) => {
        buf += d;
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        s.off('data', onHead);
        backendHead = buf.slice(0, end);
        s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
        s.on('data', (x: Buffer) => s.write(String(x).toUpperCase()));
      };
      s.on('data', onHead);
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
    server = await startKubeletServer({
      port: 0, address: '127.0.0.1', tls: { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: pki.clientCaPem },
      host: {
        getPod: (ns, name) => (ns === 'default' && name === 'p' ? pod : undefined),
        podLogDir: () => dir,
        containerStatus: async () => undefined,
        streams: {
          exec: async (_p, container, cmd, io) => {
            calls.push({ container, cmd, io });
            if (container !== 'c') throw new Error(`container not found (${JSON.stringify(container)})`);
            return `${url}/exec/tok1`;
          },
          attach: async () => { throw Object.assign(new Error('5 NOT_FOUND: gone'), { code: 5, details: 'gone' }); },
          portForward: async (_p, ports) => { calls.push({ ports }); return `${url}/portforward/tok2`; },
        },
      },
    });
  });
  after(async () => {
    await server.close();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends an upgrade request and collects what comes back; `then` is written once the head has arrived. */
  function upgrade(path: string, opts: { cert?: boolean; then?: string } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost', ...(opts.cert === false ? {} : { cert: client.certPem, key: client.keyPem }) });
      let got = '';
      let sent = false;
      s.on('data', (d) => {
        got += d;
        if (opts.then && !sent && got.includes('\r\n\r\n')) {
          sent = true;
          s.write(opts.then);
        } else if (opts.then && sent && got.endsWith(opts.then.toUpperCase())) s.end();
      });
      s.on('error', reject);
      s.on('close', () => resolve(got));
      s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`);
    });
  }

  it('proxies an exec upgrade to the runtime URL and pipes bytes both ways', async () => {
    const got = await upgrade('/exec/default/p/c?command=echo&command=hi&output=1&error=1', { then: 'ping' });
    assert.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\nPING$/);
    assert.match(backendHead, /^POST \/exec\/tok1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nConnection: Upgrade\r\nUpgrade: SPDY\/3\.1\r\n/);
    assert.deepEqual(calls.at(-1), { container: 'c', cmd: ['echo', 'hi'], io: { stdin: false, stdout: true, stderr: true, tty: false } });
  });

  it('passes the ports of a port-forward to the runtime', async () => {
    await upgrade('/portForward/default/p?port=8080', { then: 'x' });
    assert.deepEqual(calls.at(-1), { ports: [8080] });
  });

  const errors: [string, string, boolean | undefined, number, string][] = [
    ['no client certificate', '/exec/default/p/c?output=1', false, 401, 'Unauthorized'],
    ['an unknown path', '/exec/default/p', undefined, 404, '404 page not found'],
    ['no streams', '/exec/default/p/c', undefined, 400, 'you must specify at least 1 of stdin, stdout, stderr'],
    ['an unknown pod', '/exec/default/q/c?output=1', undefined, 404, 'pod does not exist'],
    ['a uid of another pod', '/exec/default/p/u2/c?output=1', undefined, 404, 'pod does not exist'],
    ['a container that is not running', '/exec/default/p/x?output=1', undefined, 500, 'container not found ("x")'],
    ['a runtime NotFound', '/attach/default/p/c?output=1', undefined, 404, 'gone'],
  ];
  for (const [what, path, cert, code, body] of errors) {
    it(`answers ${code} for ${what}`, async () => {
      const got = await upgrade(path, { cert });
      assert.match(got, new RegExp(`^HTTP/1\\.1 ${code} `));
      assert.equal(got.slice(got.indexOf('\r\n\r\n') + 4), body);
    });
  }
});
