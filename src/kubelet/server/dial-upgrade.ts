// Asks the runtime's streaming server (plain HTTP on loopback) for a SPDY
// upgrade on its own behalf, as upstream's SPDY round tripper does, for the
// paths where the kubelet itself ends the client's WebSocket.
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface Upgraded {
  socket: Socket;
  /** The response's headers, names in lower case. */
  headers: Record<string, string>;
  /** Bytes that came after the response head: the start of the stream. */
  leftover: Buffer;
}

export class UpgradeRefused extends Error {
  readonly code: number;
  constructor(code: number, body: string) {
    super(body || `unable to upgrade connection: ${code}`);
    this.code = code;
  }
}

/** POSTs an upgrade to SPDY/3.1 offering one stream protocol; resolves once the runtime answers 101. */
export function dialSpdy(target: URL, protocol: string, timeoutMs = 10_000): Promise<Upgraded> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port || 80), target.hostname);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`upgrade to ${target.host} timed out`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', (err) => fail(new Error(`error dialing backend: ${err.message}`)));
    socket.once('connect', () => {
      socket.write([`POST ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`, 'Connection: Upgrade',
        'Upgrade: SPDY/3.1', `X-Stream-Protocol-Version: ${protocol}`, 'Content-Length: 0', '', ''].join('\r\n'));
    });
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const code = Number(lines[0]!.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      if (code !== 101) {
        // The refusal's body (the runtime's reason) is what the user should see.
        const len = Number(headers['content-length'] ?? 0);
        const body = buf.subarray(end + 4);
        if (body.length < len) return;
        socket.off('data', onData);
        fail(new UpgradeRefused(code, body.subarray(0, len).toString().trim()));
        return;
      }
      // Paused until the caller takes the stream over (and resumes it).
      socket.pause();
      socket.off('data', onData);
      socket.removeAllListeners('error');
      clearTimeout(timer);
      resolve({ socket, headers, leftover: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}
