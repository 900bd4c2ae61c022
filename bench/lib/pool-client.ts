// The load generator's HTTPS client: undici's connection pool, with the
// admin credentials from a kubeconfig. The benchmark client runs on the same
// two CPUs as the server, so its own cost per request shows up in the
// server's latencies: undici takes about half the CPU per request of
// node:https (measured at 64 clients: ~90 against ~160 µs per create).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Pool } from 'undici';

export interface PoolClient {
  call(method: string, path: string, body?: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/** A pool of up to `connections` keep-alive HTTPS connections, one request in flight on each. */
export function poolClient(kubeconfigPath: string, connections: number): PoolClient {
  const cfg = parse(readFileSync(kubeconfigPath, 'utf8'));
  const cluster = cfg.clusters[0].cluster;
  const user = cfg.users[0].user;
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  const pool = new Pool(cluster.server, {
    connections, pipelining: 1,
    connect: { ca: b64(cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) },
  });
  return {
    async call(method, path, body) {
      const res = await pool.request({ method: method as 'GET', path, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
      return { status: res.statusCode, body: await res.body.text() };
    },
    close: () => pool.close(),
  };
}
