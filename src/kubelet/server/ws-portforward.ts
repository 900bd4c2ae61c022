// port-forward as kubectl 1.31+ sends it (PortForwardWebsockets): a
// WebSocket whose subprotocol is "SPDY/3.1+portforward.k8s.io" carries a
// plain SPDY port-forward session, its bytes in binary messages. The
// kubelet accepts the tunnel and opens an ordinary SPDY upgrade to the
// runtime, then moves the bytes unread, as upstream's tunneling handler does.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { dialSpdy } from './dial-upgrade.ts';
import { PORT_FORWARD_TUNNEL } from './ws-channels.ts';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** Dials the runtime first, so that a refusal reaches the client as a refused upgrade it can fall back from. */
export async function servePortForwardTunnel(req: IncomingMessage, socket: Duplex, head: Buffer, runtimeURL: URL): Promise<void> {
  const backend = await dialSpdy(runtimeURL, PORT_FORWARD_PROTOCOL);
  backend.socket.on('error', () => backend.socket.destroy());
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: () => PORT_FORWARD_TUNNEL });
  // ws refuses a '/' in a subprotocol (not an RFC 7230 token), and kubectl's
  // has one: the choice is ours already, so ws sees a stand-in.
  req.headers['sec-websocket-protocol'] = 'k8s-spdy-tunnel';
  await new Promise<void>((resolve) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const b = backend.socket;
      const finish = () => {
        b.destroy();
        if (ws.readyState === ws.OPEN) ws.close(1000);
        resolve();
      };
      ws.on('message', (msg: Buffer) => b.write(msg));
      ws.on('close', finish);
      ws.on('error', finish);
      b.on('data', (d: Buffer) => {
        if (ws.readyState === ws.OPEN) ws.send(d);
      });
      b.on('close', finish);
      b.on('error', finish);
      if (backend.leftover.length) ws.send(backend.leftover);
      b.resume();
    });
  });
}
