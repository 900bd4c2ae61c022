// A small plain-HTTP endpoint (loopback by default) that serves the
// records of recent attempts: GET /explain/NAMESPACE/NAME.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AttemptRecords } from './explain.ts';

export async function startExplainServer(records: AttemptRecords, port: number, host = '127.0.0.1'): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const m = /^\/explain\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '');
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz') return send(200, 'ok');
    if (req.method !== 'GET' || !m) return send(404, { message: 'not found; use GET /explain/NAMESPACE/NAME' });
    const ns = decodeURIComponent(m[1]);
    const name = decodeURIComponent(m[2]);
    const r = records.explain(ns, name);
    if (!r) return send(404, { message: `no scheduling attempt recorded for pod ${ns}/${name} (only recent attempts of this scheduler are kept)` });
    send(200, r);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
