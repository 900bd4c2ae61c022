// The kubelet's streaming endpoints, as upstream's server serves them:
//   /exec/{namespace}/{pod}[/{uid}]/{container}?command=…&input=1&output=1&error=1&tty=1
//   /attach/{namespace}/{pod}[/{uid}]/{container}?input=1&output=1&error=1&tty=1
//   /portForward/{namespace}/{pod}[/{uid}][?port=…]
// The kubelet asks the runtime (CRI Exec/Attach/PortForward) for a URL on
// its streaming server and proxies the upgrade request there, so SPDY or
// WebSocket is negotiated between the client and the runtime.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StreamIO } from '../cri/client.ts';
import { KubeletHttpError } from './container-logs.ts';
import { proxyUpgrade, writeRawError } from './upgrade-proxy.ts';

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
  await proxyUpgrade(req, socket, head, new URL(url));
}

async function streamURL(req: IncomingMessage, t: StreamRequest, deps: StreamDeps): Promise<string> {
  const q = new URL(req.url ?? '/', 'https://kubelet').searchParams;
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
