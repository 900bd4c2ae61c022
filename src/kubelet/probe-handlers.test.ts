import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Server as GrpcServer, ServerCredentials, status as grpcStatus } from '@grpc/grpc-js';
import { decodeHealthResponse, encodeHealthRequest, runProbe } from './probe-handlers.ts';
import { goDurationMs, formatPod } from './messages.ts';

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createTcpServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

const noCri = {} as any;

describe('probe handlers', () => {
  let http: Server;
  let httpPort: number;
  let seenHeaders: Record<string, unknown> = {};
  const grpc = new GrpcServer();
  let grpcPort: number;

  before(async () => {
    http = createServer((req, res) => {
      seenHeaders = req.headers;
      if (req.url === '/slow') return; // never answers
      res.statusCode = Number(req.url?.slice(1)) || 200;
      res.end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    httpPort = (http.address() as AddressInfo).port;
    const serving: Record<string, number> = { '': 1, sick: 2 };
    grpc.register('/grpc.health.v1.Health/Check', (call: any, cb: any) => {
      const service = call.request.length ? call.request.subarray(2).toString() : '';
      if (service === 'slow') return;
      if (!(service in serving)) return cb({ code: grpcStatus.NOT_FOUND, details: 'unknown service' });
      cb(null, Buffer.from([0x08, serving[service]]));
    }, (b: Buffer) => b, (b: Buffer) => b, 'unary');
    grpcPort = await new Promise((r, j) => grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? j(err) : r(p))));
  });
  after(() => {
    http.close();
    grpc.forceShutdown();
  });

  it('httpGet: 2xx and 3xx succeed, others fail with the status code; headers and named ports', async () => {
    const c = { ports: [{ name: 'web', containerPort: httpPort }] };
    const probe = (path: string) => ({ httpGet: { path, port: 'web', httpHeaders: [{ name: 'X-Check', value: 'yes' }] } });
    assert.deepEqual(await runProbe(noCri, probe('/204'), c, 'id', '127.0.0.1'), { result: 'success', output: '' });
    assert.equal(seenHeaders['x-check'], 'yes');
    assert.match(String(seenHeaders['user-agent']), /^kube-probe\//);
    assert.equal((await runProbe(noCri, probe('/302'), c, 'id', '127.0.0.1')).result, 'success');
    assert.deepEqual(await runProbe(noCri, probe('/500'), c, 'id', '127.0.0.1'), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  });

  it('httpGet: refused and timed out read as Go reports them', async () => {
    const port = await freePort();
    assert.deepEqual(await runProbe(noCri, { httpGet: { path: '/x', port } }, {}, 'id', '127.0.0.1'),
      { result: 'failure', output: `Get "http://127.0.0.1:${port}/x": dial tcp 127.0.0.1:${port}: connect: connection refused` });
    const slow = await runProbe(noCri, { httpGet: { path: '/slow', port: httpPort }, timeoutSeconds: 1 }, {}, 'id', '127.0.0.1');
    assert.equal(slow.output, `Get "http://127.0.0.1:${httpPort}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
  });

  it('tcpSocket: a connection succeeds, a refusal fails', async () => {
    assert.equal((await runProbe(noCri, { tcpSocket: { port: httpPort } }, {}, 'id', '127.0.0.1')).result, 'success');
    const port = await freePort();
    assert.deepEqual(await runProbe(noCri, { tcpSocket: { port } }, {}, 'id', '127.0.0.1'),
      { result: 'failure', output: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });

  it('grpc: SERVING succeeds; NOT_SERVING, errors, timeouts and no server fail with upstream text', async () => {
    const probe = (service?: string, port = grpcPort) => ({ grpc: { port, ...(service !== undefined ? { service } : {}) }, timeoutSeconds: 1 });
    assert.deepEqual(await runProbe(noCri, probe(), {}, 'id', '127.0.0.1'), { result: 'success', output: 'service healthy' });
    assert.deepEqual(await runProbe(noCri, probe('sick'), {}, 'id', '127.0.0.1'), { result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.match((await runProbe(noCri, probe('other'), {}, 'id', '127.0.0.1')).output, /^error: health rpc probe failed: .*unknown service/);
    assert.equal((await runProbe(noCri, probe('slow'), {}, 'id', '127.0.0.1')).output, 'timeout: health rpc did not complete within 1s');
    const port = await freePort();
    assert.equal((await runProbe(noCri, probe(undefined, port), {}, 'id', '127.0.0.1')).output, `timeout: failed to connect service "127.0.0.1:${port}" within 1s`);
  });

  it('exec: the exit code decides; the output is the message; a timeout says so', async () => {
    const cri = {
      execSync: async (_id: string, cmd: string[]) => {
        if (cmd[0] === 'hang') throw Object.assign(new Error('deadline'), { code: grpcStatus.DEADLINE_EXCEEDED });
        return { stdout: Buffer.from('out '), stderr: Buffer.from('err'), exitCode: cmd[0] === 'ok' ? 0 : 1 };
      },
    } as any;
    assert.deepEqual(await runProbe(cri, { exec: { command: ['ok'] } }, {}, 'id', ''), { result: 'success', output: 'out err' });
    assert.deepEqual(await runProbe(cri, { exec: { command: ['bad'] } }, {}, 'id', ''), { result: 'failure', output: 'out err' });
    assert.deepEqual(await runProbe(cri, { exec: { command: ['hang', 'now'] } }, {}, 'id', ''), { result: 'failure', output: 'command "hang now" timed out' });
  });

  it('health messages encode and decode', () => {
    assert.deepEqual([...encodeHealthRequest('ab')], [0x0a, 2, 0x61, 0x62]);
    assert.equal(encodeHealthRequest('').length, 0);
    assert.equal(decodeHealthResponse(Buffer.from([0x08, 2])), 2);
    assert.equal(decodeHealthResponse(Buffer.alloc(0)), 0);
  });
});

describe('messages', () => {
  const cases: [number, string][] = [[0, '0s'], [850, '850ms'], [1500, '1.5s'], [15_981, '15.981s'], [123_004, '2m3.004s'], [3_600_000, '1h0m0s']];
  for (const [ms, want] of cases) it(`goDurationMs(${ms}) = ${want}`, () => assert.equal(goDurationMs(ms), want));
  it('formatPod', () => assert.equal(formatPod({ metadata: { name: 'a', namespace: 'b', uid: 'u' } }), 'a_b(u)'));
});
