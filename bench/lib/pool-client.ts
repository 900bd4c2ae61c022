// The load generator's HTTPS client: undici's connection pool, with the
// admin credentials from a kubeconfig. The benchmark client runs on the same
// two CPUs as the server, so its own cost per request shows up in the
// server's latencies: undici takes about half the CPU per request of
// node:https (measured at 64 clients: ~90 against ~160 µs per create).
import { Pool } from 'undici';
import { loadKubeconfig } from '../../src/client/kubeconfig.ts';

export interface PoolClient {
  call(method: string, path: string, body?: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/** A pool of up to `connections` keep-alive HTTPS connections, one request in flight on each. */
export function poolClient(kubeconfigPath: string, connections: number): PoolClient {
  const cfg = loadKubeconfig(kubeconfigPath);
  const pool = new Pool(cfg.server, { connections, pipelining: 1, connect: { ca: cfg.caPem, cert: cfg.certPem, key: cfg.keyPem } });
  return {
    async call(method, path, body) {
      const res = await pool.request({ method: method as 'GET', path, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
      return { status: res.statusCode, body: await res.body.text() };
    },
    close: () => pool.close(),
  };
}
