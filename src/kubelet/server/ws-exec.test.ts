import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { connect as connectTcp, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { inflateSync, constants } from 'node:zlib';
import { WebSocket } from 'ws';
import { controlFrame, dataFrame, headerBlock, storedBlock } from './spdy.ts';
import { serveExecWebSocket } from './ws-exec.ts';
import { servePortForwardTunnel } from './ws-portforward.ts';
import { channelCodec, chooseExecProtocol, errorChannelPayload } from './ws-channels.ts';

describe('SPDY header blocks', () => {
  it('are one zlib stream of stored blocks, each ending in a sync flush', () => {
    const a = storedBlock(headerBlock({ streamtype: 'error' }), true);
    const b = storedBlock(headerBlock({ StreamType: 'stdin' }), false);
    assert.deepEqual(a.subarray(0, 2), Buffer.from([0x78, 0x01]));
    for (const x of [a, b]) assert.deepEqual(x.subarray(-5), Buffer.from([0, 0, 0, 0xff, 0xff]));
    const text = inflateSync(Buffer.concat([a, b]), { finishFlush: constants.Z_SYNC_FLUSH });
    assert.deepEqual(text, Buffer.concat([headerBlock({ streamtype: 'error' }), headerBlock({ streamtype: 'stdin' })]));
    assert.equal(text.subarray(0, 4).readUInt32BE(), 1);
  });
});

describe('ws channel protocols', () => {
  it('chooses the client\'s first protocol that is served', () => {
    assert.equal(chooseExecProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io']), 'v5.channel.k8s.io');
    assert.equal(chooseExecProtocol(['v3.channel.k8s.io', 'v4.base64.channel.k8s.io']), 'v4.base64.channel.k8s.io');
    assert.equal(chooseExecProtocol([]), 'channel.k8s.io');
    assert.equal(chooseExecProtocol(['SPDY/3.1+portforward.k8s.io']), undefined);
  });
  it('frames binary and base64 channels', () => {
    assert.deepEqual(channelCodec('v5.channel.k8s.io').encode(1, Buffer.from('hi')), Buffer.from([1, 104, 105]));
    assert.equal(channelCodec('v4.base64.channel.k8s.io').encode(2, Buffer.from('hi')), '2aGk=');
    assert.deepEqual(channelCodec('base64.channel.k8s.io').decode(Buffer.from('0aGk='), false), { channel: 0, data: Buffer.from('hi') });
  });
  it('passes a Status on v4/v5 and only a failure\'s message before v4', () => {
    const fail = Buffer.from('{"metadata":{},"status":"Failure","message":"boom","reason":"NonZeroExitCode"}');
    const ok = Buffer.from('{"metadata":{},"status":"Success"}');
    assert.equal(errorChannelPayload(channelCodec('v5.channel.k8s.io'), fail), fail);
    assert.equal(String(errorChannelPayload(channelCodec('channel.k8s.io'), fail)), 'boom');
    assert.equal(errorChannelPayload(channelCodec('channel.k8s.io'), ok), undefined);
  });
});

/**
 * A stand-in for containerd's streaming server speaking remotecommand v4
 * over SPDY: accepts each stream, echoes stdin in upper case on stdout, and
 * at stdin's end writes a NonZeroExitCode Status and closes.
 */
function fakeRuntime(seen: { heads: string[]; streams: string[]; resize: string[] }): Server {
  return createServer((s: Socket) => {
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let zbuf = Buffer.alloc(0);
    const ids: Record<string, number> = {};
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        seen.heads.push(buf.subarray(0, end).toString());
        buf = buf.subarray(end + 4);
        upgraded = true;
        s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
      }
      while (buf.length >= 8 && buf.length >= 8 + (buf.readUInt32BE(4) & 0xffffff)) {
        const len = buf.readUInt32BE(4) & 0xffffff;
        const f = buf.subarray(0, 8 + len);
        buf = buf.subarray(8 + len);
        if (f[0]! & 0x80) {
          const id = f.readUInt32BE(8);
          // Header blocks form one zlib stream across frames.
          zbuf = Buffer.concat([zbuf, f.subarray(18)]);
          const text = inflateSync(zbuf, { finishFlush: constants.Z_SYNC_FLUSH }).toString('latin1');
          const type = text.slice(text.lastIndexOf('streamtype') + 14);
          ids[type] = id;
          seen.streams.push(type);
          const reply = Buffer.alloc(4);
          reply.writeUInt32BE(id);
          s.write(controlFrame(2, 0, reply));
          continue;
        }
        const id = f.readUInt32BE(0) & 0x7fffffff;
        const data = f.subarray(8);
        if (id === ids.resize) seen.resize.push(data.toString());
        if (id === ids.stdin && data.length) s.write(dataFrame(ids.stdout!, 0, Buffer.from(data.toString().toUpperCase())));
        if (id === ids.stdin && f[4]! & 1) {
          s.write(dataFrame(ids.error!, 0, Buffer.from('{"metadata":{},"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}')));
          s.end();
        }
      }
    });
    s.on('error', () => {});
  });
}

describe('WebSocket streams translated to SPDY towards the runtime', () => {
  const seen = { heads: [] as string[], streams: [] as string[], resize: [] as string[] };
  let runtime: Server;
  let front: HttpServer;
  let runtimeURL: string;
  before(async () => {
    runtime = fakeRuntime(seen);
    await new Promise<void>((r) => runtime.listen(0, '127.0.0.1', r));
    runtimeURL = `http://127.0.0.1:${(runtime.address() as { port: number }).port}`;
    front = createHttpServer();
    front.on('upgrade', (req, socket, head) => {
      if (req.url === '/pf') void servePortForwardTunnel(req, socket, head, new URL(`${runtimeURL}/portforward/t`)).catch(() => socket.destroy());
      else void serveExecWebSocket(req, socket, head, 'v5.channel.k8s.io', new URL(`${runtimeURL}/exec/t`), { stdin: true, stdout: true, stderr: false, tty: true });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  });
  after(() => {
    front.close();
    runtime.close();
  });

  it('exec v5: stdin, resize and the close signal go over SPDY; stdout and the Status come back', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${(front.address() as { port: number }).port}/exec`, ['v5.channel.k8s.io']);
    const got: Buffer[] = [];
    ws.on('message', (m: Buffer) => got.push(m));
    await new Promise((r) => ws.once('open', r));
    assert.equal(ws.protocol, 'v5.channel.k8s.io');
    ws.send(Buffer.from('\x04{"Width":80,"Height":24}'));
    ws.send(Buffer.from('\x00hello'));
    // Let the echo arrive before the half-close ends the session.
    await new Promise<void>((r) => { const t = setInterval(() => { if (got.length) { clearInterval(t); r(); } }, 10); });
    ws.send(Buffer.from([255, 0]));
    const code = await new Promise((r) => ws.once('close', r));
    assert.equal(code, 1000);
    assert.deepEqual(seen.streams, ['error', 'stdin', 'stdout', 'resize']);
    assert.match(seen.heads[0]!, /^POST \/exec\/t HTTP\/1\.1\r\n[\s\S]*Upgrade: SPDY\/3\.1\r\nX-Stream-Protocol-Version: v4\.channel\.k8s\.io/);
    assert.deepEqual(seen.resize, ['{"Width":80,"Height":24}']);
    assert.equal(got[0]![0], 1);
    assert.equal(got[0]!.subarray(1).toString(), 'HELLO');
    const status = got.at(-1)!;
    assert.equal(status[0], 3);
    assert.equal(JSON.parse(status.subarray(1).toString()).details.causes[0].message, '3');
  });

  it('port-forward tunnel: accepts kubectl\'s SPDY/3.1+portforward.k8s.io and upgrades to SPDY towards the runtime', async () => {
    // ws's own client refuses a '/' in a subprotocol, so the handshake is written by hand.
    const s = connectTcp((front.address() as { port: number }).port, '127.0.0.1');
    s.write('GET /pf HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n'
      + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n\r\n');
    let head = '';
    await new Promise<void>((r) => s.on('data', (d) => { head += d; if (head.includes('\r\n\r\n')) r(); }));
    s.destroy();
    assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(head, /\r\nSec-WebSocket-Protocol: SPDY\/3\.1\+portforward\.k8s\.io\r\n/);
    assert.match(seen.heads.at(-1)!, /^POST \/portforward\/t HTTP\/1\.1\r\n[\s\S]*X-Stream-Protocol-Version: portforward\.k8s\.io/);
  });
});
