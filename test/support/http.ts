// A raw HTTPS client for tests that need exact status codes and bodies,
// authenticated with the admin credentials from a kubeconfig.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parse } from 'yaml';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export function adminClient(kubeconfigPath: string) {
  const cfg = parse(readFileSync(kubeconfigPath, 'utf8'));
  const cluster = cfg.clusters[0].cluster;
  const user = cfg.users[0].user;
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  const agent = new Agent({
    ca: b64(cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']),
    keepAlive: true, maxSockets: 64,
  });
  const base = new URL(cluster.server);
  function call(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, opts: { anonymous?: boolean } = {}): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: base.hostname, port: base.port, path, method,
        agent: opts.anonymous ? new Agent({ ca: b64(cluster['certificate-authority-data']) }) : agent,
        headers: { 'Content-Type': 'application/json', ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...headers },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
  /** Opens a watch (its own connection); calls onEvent per event until closed. */
  function watch(path: string, onEvent: (ev: { type: string; object: any }) => void): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const req = request({ host: base.hostname, port: base.port, path, method: 'GET', agent: new Agent({ ...agent.options, keepAlive: false }) }, (res) => {
        let buf = '';
        res.on('data', (d) => {
          buf += d;
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (line.trim()) onEvent(JSON.parse(line));
          }
        });
        res.on('error', () => { /* closed */ });
        resolve(() => req.destroy());
      });
      req.on('error', reject);
      req.end();
    });
  }
  return { call, watch, close: () => agent.destroy() };
}
