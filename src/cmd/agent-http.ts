// The agent's two calls to the server before it has credentials: the CA
// bundle (unverified TLS: the token's hash is what vouches for it) and the
// join itself (TLS verified with that CA). Failures become messages that
// say what to fix.
import { request } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { JoinResponse } from '../apiserver/join.ts';

const TIMEOUT_MS = 15_000;

interface Reply {
  status: number;
  body: string;
}

function call(url: URL, opts: RequestOptions, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

function unreachable(server: URL, err: NodeJS.ErrnoException): Error {
  const why = err.code ? `${err.code}: ${err.message}` : err.message;
  return new Error(`cannot reach the k8ts server at ${server.origin} (${why}). Check --server (https://HOST:PORT) and that the server runs and this host can reach it.`);
}

function statusMessage(body: string): string {
  try {
    return JSON.parse(body)?.message ?? body.trim();
  } catch {
    return body.trim();
  }
}

export async function fetchCACerts(server: URL): Promise<string> {
  let reply: Reply;
  try {
    reply = await call(new URL('/cacerts', server), { method: 'GET', rejectUnauthorized: false });
  } catch (err) {
    throw unreachable(server, err as NodeJS.ErrnoException);
  }
  if (reply.status !== 200 || !reply.body.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`${server.origin}/cacerts answered ${reply.status} without a CA bundle: is --server a k8ts server?`);
  }
  return reply.body;
}

export async function postJoin(server: URL, caPem: string, password: string, body: { nodeName: string; nodeIP?: string }): Promise<JoinResponse> {
  const text = JSON.stringify(body);
  let reply: Reply;
  try {
    reply = await call(new URL('/v1-k8ts/join', server), {
      method: 'POST', ca: caPem, rejectUnauthorized: true,
      headers: {
        Authorization: `Basic ${Buffer.from(`node:${password}`).toString('base64')}`,
        'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text),
      },
    }, text);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      throw new Error(`the server's certificate does not name ${server.hostname} (${e.message}). Use an address the certificate names, or add --tls-san ${server.hostname} to k8ts server.`);
    }
    if (e.code?.startsWith('ERR_TLS') || /certificate/i.test(e.message)) {
      throw new Error(`the server's certificate does not verify with the CA it served (${e.code ?? e.message}); something between this host and ${server.origin} may be intercepting TLS`);
    }
    throw unreachable(server, e);
  }
  if (reply.status === 401) {
    throw new Error(`the server at ${server.origin} rejected the token (401 Unauthorized): its password is wrong. Use the token in DATA_DIR/token on the server.`);
  }
  if (reply.status === 404) {
    throw new Error(`${server.origin} does not serve joins (404): is it a k8ts server of this version?`);
  }
  if (reply.status !== 200) throw new Error(`the server refused the join (${reply.status}): ${statusMessage(reply.body)}`);
  let parsed: JoinResponse;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    throw new Error(`the server's join answer is not JSON: ${reply.body.slice(0, 200)}`);
  }
  for (const k of ['caPem', 'clientCertPem', 'clientKeyPem', 'servingCertPem', 'servingKeyPem', 'podCIDR'] as const) {
    if (typeof parsed[k] !== 'string' || !parsed[k]) throw new Error(`the server's join answer lacks ${k}`);
  }
  return parsed;
}
