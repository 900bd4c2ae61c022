// The WebSocket remotecommand protocols (upstream's wsstream): every
// message is one channel's bytes, the channel named by its first byte
// (binary protocols) or by an ASCII digit before base64 text (base64
// protocols). Channels: 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize;
// v5 adds 255, "close": its one byte names the channel the sender closed.
import type { IncomingMessage } from 'node:http';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

/** The exec/attach subprotocols we serve, newest first. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];

/** The prefix kubectl 1.31+ puts before a SPDY protocol it tunnels through a WebSocket (PortForwardWebsockets). */
export const SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';
export const PORT_FORWARD_TUNNEL = `${SPDY_TUNNEL_PREFIX}portforward.k8s.io`;

export function isWebSocketRequest(req: IncomingMessage): boolean {
  return String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** Sec-WebSocket-Protocol, in the client's order of preference. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  return (Array.isArray(raw) ? raw.join(',') : raw ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * The protocol to answer with: the client's first one we serve. A client that
 * offers none gets the original binary protocol ("channel.k8s.io"), as
 * upstream treats an absent header; undefined means nothing offered fits.
 */
export function chooseExecProtocol(offered: string[]): string | undefined {
  if (offered.length === 0) return 'channel.k8s.io';
  return offered.find((p) => EXEC_PROTOCOLS.includes(p));
}

export interface ChannelMessage { channel: number; data: Buffer }

export interface ChannelCodec {
  /** v4 and v5 carry a Status on the error channel; the older ones only a failure's message. */
  readonly statusOnError: boolean;
  /** v5's close channel (255) is understood. */
  readonly closeSignal: boolean;
  decode(msg: Buffer, binary: boolean): ChannelMessage | undefined;
  encode(channel: number, data: Buffer): Buffer | string;
}

export function channelCodec(protocol: string): ChannelCodec {
  const base64 = protocol.includes('base64');
  const statusOnError = protocol.startsWith('v4.') || protocol.startsWith('v5.');
  const closeSignal = protocol.startsWith('v5.');
  if (base64) {
    return {
      statusOnError, closeSignal,
      decode: (msg) => {
        const text = msg.toString('latin1');
        if (text.length === 0) return undefined;
        return { channel: text.charCodeAt(0) - 48, data: Buffer.from(text.slice(1), 'base64') };
      },
      encode: (channel, data) => String.fromCharCode(48 + channel) + data.toString('base64'),
    };
  }
  return {
    statusOnError, closeSignal,
    decode: (msg) => (msg.length === 0 ? undefined : { channel: msg[0]!, data: msg.subarray(1) }),
    encode: (channel, data) => Buffer.concat([Buffer.from([channel]), data]),
  };
}

/** What goes on the error channel for a Status the runtime wrote (v4 JSON): as is, or only a failure's message. */
export function errorChannelPayload(codec: ChannelCodec, status: Buffer): Buffer | undefined {
  if (status.length === 0) return undefined;
  if (codec.statusOnError) return status;
  try {
    const s = JSON.parse(status.toString());
    return s.status === 'Success' ? undefined : Buffer.from(String(s.message ?? ''));
  } catch {
    return status;
  }
}

/** An upstream Status for a failure of the stream itself (not of the command). */
export function failureStatus(message: string): Buffer {
  return Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 }));
}
