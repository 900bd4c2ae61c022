// The four probe handlers as upstream's prober runs them, each giving a
// result and the output text upstream shows in Unhealthy events: exec
// (through CRI ExecSync), httpGet (2xx/3xx is success), tcpSocket (a
// connection is success) and grpc (grpc.health.v1.Health/Check answers
// SERVING). The httpGet request is shared with lifecycle hooks.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { Client as GrpcClient, credentials, status as grpcStatus } from '@grpc/grpc-js';
import type { CriClient } from './cri/client.ts';
import { dialError, goDurationMs } from './messages.ts';

export type ProbeResult = 'success' | 'failure';

export interface ProbeOutcome {
  result: ProbeResult;
  output: string;
}

/** A container port given by number or by name (ports[].name). */
export function resolvePort(port: number | string, c: any): number {
  if (typeof port === 'number') return port;
  const named = (c.ports ?? []).find((p: any) => p.name === port);
  return named ? named.containerPort : Number(port);
}

export interface HttpTarget {
  scheme: string;
  host: string;
  port: number;
  path: string;
  headers: Record<string, string>;
}

export function httpTarget(g: any, c: any, podIP: string): HttpTarget {
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.33', Accept: '*/*' };
  for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
  let path = g.path ?? '/';
  if (!path.startsWith('/')) path = `/${path}`;
  return { scheme: (g.scheme ?? 'HTTP').toLowerCase(), host: g.host || podIP, port: resolvePort(g.port, c), path, headers };
}

export function targetURL(t: HttpTarget): string {
  return `${t.scheme}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}${t.path}`;
}

/** One GET; resolves with the status code, rejects with Go's error text for the URL. */
export function httpGet(t: HttpTarget, timeoutMs: number): Promise<number> {
  const url = targetURL(t);
  return new Promise((done, fail) => {
    const req = (t.scheme === 'https' ? httpsRequest : httpRequest)({
      host: t.host, port: t.port, path: t.path, method: 'GET', headers: t.headers, rejectUnauthorized: false, timeout: timeoutMs, agent: false,
    }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'K8TS_TIMEOUT' })), timeoutMs);
    req.once('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'K8TS_TIMEOUT' })));
    req.on('error', (err: any) => {
      const why = err.code === 'K8TS_TIMEOUT' ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : dialError(t.host, t.port, err);
      fail(new Error(`Get "${url}": ${why}`));
    });
    req.end();
  });
}

async function execProbe(cri: CriClient, containerId: string, command: string[], timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    const r = await cri.execSync(containerId, command, timeoutSeconds);
    const output = Buffer.concat([r.stdout ?? Buffer.alloc(0), r.stderr ?? Buffer.alloc(0)]).toString();
    return { result: r.exitCode === 0 ? 'success' : 'failure', output };
  } catch (err: any) {
    if (err?.code === grpcStatus.DEADLINE_EXCEEDED) return { result: 'failure', output: `command "${command.join(' ')}" timed out` };
    return { result: 'failure', output: String(err?.details ?? err?.message ?? err) };
  }
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((done) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => { s.destroy(); done({ result: 'failure', output: dialError(host, port, { code: 'ETIMEDOUT' }) }); }, timeoutMs);
    s.once('connect', () => { clearTimeout(timer); s.destroy(); done({ result: 'success', output: '' }); });
    s.once('error', (err) => { clearTimeout(timer); done({ result: 'failure', output: dialError(host, port, err) }); });
  });
}

const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** grpc.health.v1.HealthCheckRequest { string service = 1; } by hand: no .proto needed for one field. */
export function encodeHealthRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const bytes = Buffer.from(service);
  const len: number[] = [];
  let n = bytes.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), bytes]);
}

/** HealthCheckResponse { ServingStatus status = 1; }: the enum value (0 when absent). */
export function decodeHealthResponse(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i++];
    let v = 0;
    let shift = 0;
    if ((tag & 7) !== 0) break; // only the varint field is expected
    for (;;) {
      const b = buf[i++];
      v |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80) || i >= buf.length) break;
    }
    if (tag >> 3 === 1) return v;
  }
  return 0;
}

export async function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const within = goDurationMs(timeoutMs);
  const client = new GrpcClient(addr, credentials.createInsecure());
  const deadline = Date.now() + timeoutMs;
  try {
    const connected = await new Promise<boolean>((r) => client.waitForReady(deadline, (err) => r(!err)));
    if (!connected) return { result: 'failure', output: `timeout: failed to connect service "${addr}" within ${within}` };
    return await new Promise<ProbeOutcome>((done) => {
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', (b: Buffer) => b, (b: Buffer) => b, encodeHealthRequest(service), { deadline }, (err, res) => {
        if (err) {
          if (err.code === grpcStatus.UNIMPLEMENTED) done({ result: 'failure', output: `this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}` });
          else if (err.code === grpcStatus.DEADLINE_EXCEEDED) done({ result: 'failure', output: `timeout: health rpc did not complete within ${within}` });
          else done({ result: 'failure', output: `error: health rpc probe failed: ${err.message}` });
          return;
        }
        const st = decodeHealthResponse(res ?? Buffer.alloc(0));
        if (st === 1) done({ result: 'success', output: 'service healthy' });
        else done({ result: 'failure', output: `service unhealthy (responded with "${SERVING_STATUS[st] ?? st}")` });
      });
    });
  } finally {
    client.close();
  }
}

/** Runs one probe of container c once. */
export async function runProbe(cri: CriClient, probe: any, c: any, containerId: string, podIP: string): Promise<ProbeOutcome> {
  const timeoutSeconds = probe.timeoutSeconds ?? 1;
  const timeoutMs = timeoutSeconds * 1000;
  if (probe.exec) return execProbe(cri, containerId, probe.exec.command ?? [], timeoutSeconds);
  if (probe.httpGet) {
    const t = httpTarget(probe.httpGet, c, podIP);
    try {
      const code = await httpGet(t, timeoutMs);
      if (code >= 200 && code < 400) return { result: 'success', output: '' };
      return { result: 'failure', output: `HTTP probe failed with statuscode: ${code}` };
    } catch (err) {
      return { result: 'failure', output: (err as Error).message };
    }
  }
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket.host || podIP, resolvePort(probe.tcpSocket.port, c), timeoutMs);
  if (probe.grpc) return grpcProbe(podIP, probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
  return { result: 'success', output: '' };
}
