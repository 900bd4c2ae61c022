// exec and attach over WebSocket (v5/v4/base64/v1 channel protocols): the
// kubelet ends the client's WebSocket and speaks remotecommand v4 over SPDY
// to the runtime's streaming server, as upstream's StreamTranslatorProxy
// does. The runtime (containerd's CRI streaming server) knows neither v5 nor
// a half-close of stdin over WebSocket, so the translation is what lets
// `kubectl exec -i` end at its input's end and take the command's exit code.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { StreamIO } from '../cri/client.ts';
import { dialSpdy } from './dial-upgrade.ts';
import { SpdySession } from './spdy.ts';
import type { SpdyStream } from './spdy.ts';
import { channelCodec, errorChannelPayload, failureStatus, CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT } from './ws-channels.ts';
import type { ChannelMessage } from './ws-channels.ts';

export const REMOTECOMMAND_V4 = 'v4.channel.k8s.io';

/** Accepts the WebSocket with `protocol` and bridges it to the runtime's URL until either side ends. */
export function serveExecWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, runtimeURL: URL, io: StreamIO): Promise<void> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: () => protocol });
  return new Promise((resolve) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', () => resolve());
      void bridge(ws, protocol, runtimeURL, io);
    });
  });
}

async function bridge(ws: WebSocket, protocol: string, runtimeURL: URL, io: StreamIO): Promise<void> {
  const codec = channelCodec(protocol);
  const queued: ChannelMessage[] = [];
  // Filled in once the runtime has accepted every stream; until then client messages wait.
  const live: { deliver?: (m: ChannelMessage) => void; session?: SpdySession } = {};
  ws.on('message', (msg: Buffer, binary: boolean) => {
    const m = codec.decode(msg, binary);
    if (!m) return;
    if (live.deliver) live.deliver(m);
    else queued.push(m);
  });
  ws.on('close', () => live.session?.close());
  ws.on('error', () => live.session?.close());
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(codec.encode(channel, data));
  };
  const fail = (err: unknown) => {
    const status = errorChannelPayload(codec, failureStatus(String((err as Error)?.message ?? err)));
    if (status) send(ERROR, status);
    ws.close(1000);
  };

  let upgraded;
  try {
    upgraded = await dialSpdy(runtimeURL, REMOTECOMMAND_V4);
  } catch (err) {
    fail(err);
    return;
  }
  if (ws.readyState !== ws.OPEN) {
    upgraded.socket.destroy();
    return;
  }
  const s = new SpdySession(upgraded.socket, upgraded.leftover);
  live.session = s;
  // The runtime waits for exactly the streams the options name, the error stream first.
  const error = s.open({ streamtype: 'error' });
  const stdin = io.stdin ? s.open({ streamtype: 'stdin' }) : undefined;
  const out = io.stdout ? s.open({ streamtype: 'stdout' }) : undefined;
  const err = io.stderr ? s.open({ streamtype: 'stderr' }) : undefined;
  const resize = io.tty ? s.open({ streamtype: 'resize' }) : undefined;

  const chunks: Buffer[] = [];
  let statusSent = false;
  const sendStatus = () => {
    if (statusSent) return;
    statusSent = true;
    const payload = errorChannelPayload(codec, Buffer.concat(chunks));
    if (payload) send(ERROR, payload);
  };
  error.onData = (d) => chunks.push(d);
  error.onEnd = sendStatus;
  if (out) out.onData = (d) => send(STDOUT, d);
  if (err) err.onData = (d) => send(STDERR, d);
  s.onClose = () => {
    sendStatus();
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };

  try {
    await Promise.all([error, stdin, out, err, resize].filter((x): x is SpdyStream => !!x).map((x) => x.accepted));
  } catch (e) {
    s.close();
    fail(e);
    return;
  }
  const deliver = (m: ChannelMessage) => {
    if (m.channel === STDIN) stdin?.write(m.data);
    else if (m.channel === RESIZE) resize?.write(m.data);
    else if (m.channel === CLOSE && codec.closeSignal && m.data[0] === STDIN) stdin?.end();
  };
  for (const m of queued.splice(0)) deliver(m);
  live.deliver = deliver;
}
