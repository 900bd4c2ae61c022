// Byte-level proxying of an HTTP upgrade (SPDY/3.1 or WebSocket), as
// upstream's UpgradeAwareHandler does: the client's request goes to the
// backend with its upgrade headers untouched, and whatever the backend
// answers (101 and the stream, or a refusal the client may fall back from)
// flows back unchanged. Protocol negotiation is the two ends' business.
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';

// Credentials meant for this hop never travel on to the backend.
const DROP = new Set(['host', 'authorization', 'proxy-authorization', 'cookie']);

/** The request head for the backend: the client's method and headers, the backend's path and Host. */
export function upgradeRequestHead(method: string, rawHeaders: string[], target: URL): string {
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (DROP.has(lower) || lower.startsWith('impersonate-')) continue;
    lines.push(`${name}: ${rawHeaders[i + 1]}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A plain-text HTTP error written straight to an upgrade socket, which then closes. */
export function writeRawError(socket: Duplex, code: number, body: string): void {
  if (socket.destroyed) return;
  const text = Buffer.from(body);
  socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\n`
    + `X-Content-Type-Options: nosniff\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`);
}

/** Joins two sockets until either side closes; an error on one ends both. */
export function splice(a: Duplex, b: Duplex): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      a.destroy();
      b.destroy();
      resolve();
    };
    a.on('error', finish);
    b.on('error', finish);
    a.on('close', finish);
    b.on('close', finish);
    // A half-close is passed on: the other side may still have bytes to send.
    a.pipe(b);
    b.pipe(a);
  });
}

/** Proxies an upgrade request to a plain-HTTP backend (the runtime's streaming server on loopback). */
export function proxyUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: URL): Promise<void> {
  return new Promise((resolve) => {
    const backend = connect(Number(target.port || 80), target.hostname);
    backend.once('error', (err) => {
      writeRawError(client, 502, `error dialing backend: ${err.message}`);
      resolve();
    });
    backend.once('connect', () => {
      backend.removeAllListeners('error');
      backend.write(upgradeRequestHead(req.method ?? 'GET', req.rawHeaders, target));
      if (head.length) backend.write(head);
      void splice(client, backend).then(resolve);
    });
  });
}
