// The kubelet's streaming endpoints, as upstream's server serves them:
//   /exec/{namespace}/{pod}[/{uid}]/{container}?command=…&input=1&output=1&error=1&tty=1
//   /attach/{namespace}/{pod}[/{uid}]/{container}?input=1&output=1&error=1&tty=1
//   /portForward/{namespace}/{pod}[/{uid}][?port=…]
// The kubelet asks the runtime (CRI Exec/Attach/PortForward) for a URL on
// its streaming server. A SPDY upgrade is proxied there unchanged; a
// WebSocket one (kubectl 1.30+) the kubelet ends itself and translates to
// SPDY towards the runtime (ws-exec.ts, ws-portforward.ts), since the
// runtime knows no v5 channel protocol and no port-forward tunnelling.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StreamIO } from '../cri/client.ts';
import { KubeletHttpError } from './container-logs.ts';
import { proxyUpgrade, writeRawError } from './upgrade-proxy.ts';
import { UpgradeRefused } from './dial-upgrade.ts';
import { chooseExecProtocol, isWebSocketRequest, offeredProtocols, PORT_FORWARD_TUNNEL } from './ws-channels.ts';
import { serveExecWebSocket } from './ws-exec.ts';
import { servePortForwardTunnel } from './ws-portforward.ts';

/** How the kubelet reaches the runtime's streaming server for a pod it runs. */
export interface StreamRuntime {
  exec(pod: any, container: string, cmd: string[], io: StreamIO): Promise<string>;
  attach(pod: any, container: string, io: StreamIO): Promise<string>;
  portForward(pod: any, ports: number[]): Promise<string>;
}

export type StreamRequest =
  | { kind: 'exec' | 'attach'; namespace: string; pod: string; uid?: string; container: string }
  | { kind: 'portForward'; namespace: string; pod: string; uid?: string };

/** The streaming request a path names, or undefined when it names none. */
export function parseStreamPath(pathname: string): StreamRequest | undefined {
  const parts = pathname.split('/').slice(1).map(decodeURIComponent);
  const [kind, namespace, pod, ...rest] = parts;
  if (!namespace || !pod || parts.some((p) => p === '')) return undefined;
  if (kind === 'exec' || kind === 'attach') {
    if (rest.length === 1) return { kind, namespace, pod, container: rest[0]! };
    if (rest.length === 2) return { kind, namespace, pod, uid: rest[0], container: rest[1]! };
    return undefined;
  }
  if (kind === 'portForward') {
    if (rest.length === 0) return { kind, namespace, pod };
    if (rest.length === 1) return { kind, namespace, pod, uid: rest[0] };
  }
  return undefined;
}

/** Upstream's remotecommand NewOptions: "1" switches a stream on; a tty carries no separate stderr. */
export function parseStreamIO(q: URLSearchParams): StreamIO {
  const tty = q.get('tty') === '1';
  const stdin = q.get('input') === '1';
  const stdout = q.get('output') === '1';
  const stderr = q.get('error') === '1' && !tty;
  if (!stdin && !stdout && !stderr) throw new KubeletHttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
  return { stdin, stdout, stderr, tty };
}

/** The ports of a WebSocket port-forward come in the query; SPDY names them per stream instead. */
export function parsePorts(q: URLSearchParams): number[] {
  return q.getAll('port').flatMap((v) => v.split(',')).filter((v) => v !== '').map((v) => {
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!(n > 0 && n <= 65535)) throw new KubeletHttpError(400, `unable to parse "${v}" as a port: ${n === 0 ? 'port must be > 0' : 'invalid port'}`);
    return n;
  });
}

/** A runtime (gRPC) error as upstream's streaming.WriteError answers it. */
function runtimeError(err: any): KubeletHttpError {
  const code = err?.code === 5 ? 404 : err?.code === 8 ? 429 : 500;
  return new KubeletHttpError(code, String(err?.details || err?.message || err));
}

export interface StreamDeps {
  getPod(namespace: string, name: string): any | undefined;
  streams?: StreamRuntime;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Serves one upgrade request on the kubelet's port; answers with a plain-text error when it cannot. */
export async function serveStream(req: IncomingMessage, socket: Duplex, head: Buffer, target: StreamRequest, deps: StreamDeps): Promise<void> {
  let url: string;
  try {
    url = await streamURL(req, target, deps);
  } catch (err) {
    const code = err instanceof KubeletHttpError ? err.code : 500;
    if (code >= 500) deps.log('kubelet stream request failed', { url: req.url, error: String((err as Error)?.message ?? err) });
    writeRawError(socket, code, String((err as Error)?.message ?? err));
    return;
  }
  const ws = isWebSocketRequest(req) ? webSocketRoute(req, target) : undefined;
  if (ws) deps.log('kubelet stream over websocket', { kind: target.kind, pod: `${target.namespace}/${target.pod}`, protocol: ws.protocol });
  try {
    if (ws?.kind === 'exec') return await serveExecWebSocket(req, socket, head, ws.protocol, new URL(url), parseStreamIO(query(req)));
    if (ws?.kind === 'tunnel') return await servePortForwardTunnel(req, socket, head, new URL(url));
  } catch (err) {
    const code = err instanceof UpgradeRefused ? err.code : 500;
    deps.log('kubelet websocket stream failed', { url: req.url, error: String((err as Error)?.message ?? err) });
    writeRawError(socket, code, String((err as Error)?.message ?? err));
    return;
  }
  // Other WebSocket protocols (or none that we translate) are the runtime's to accept or refuse.
  await proxyUpgrade(req, socket, head, new URL(url));
}

function query(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'https://kubelet').searchParams;
}

/** Which WebSocket the kubelet ends itself, by the subprotocols the client offers. */
export function webSocketRoute(req: IncomingMessage, target: StreamRequest): { kind: 'exec' | 'tunnel'; protocol: string } | undefined {
  const offered = offeredProtocols(req);
  if (target.kind === 'portForward') return offered.includes(PORT_FORWARD_TUNNEL) ? { kind: 'tunnel', protocol: PORT_FORWARD_TUNNEL } : undefined;
  const protocol = chooseExecProtocol(offered);
  return protocol ? { kind: 'exec', protocol } : undefined;
}

async function streamURL(req: IncomingMessage, t: StreamRequest, deps: StreamDeps): Promise<string> {
  const q = query(req);
  const io = t.kind === 'portForward' ? undefined : parseStreamIO(q);
  const ports = t.kind === 'portForward' ? parsePorts(q) : [];
  const pod = deps.getPod(t.namespace, t.pod);
  if (!pod || (t.uid && pod.metadata?.uid !== t.uid)) throw new KubeletHttpError(404, 'pod does not exist');
  if (!deps.streams) throw new KubeletHttpError(500, 'this kubelet has no container runtime streaming server');
  try {
    if (t.kind === 'exec') return await deps.streams.exec(pod, t.container, q.getAll('command'), io!);
    if (t.kind === 'attach') return await deps.streams.attach(pod, t.container, io!);
    return await deps.streams.portForward(pod, ports);
  } catch (err) {
    throw err instanceof KubeletHttpError ? err : runtimeError(err);
  }
}
