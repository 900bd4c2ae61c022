// Starts a private etcd (Debian's /usr/bin/etcd) for tests and benchmarks:
// one member or a three-member cluster on free loopback ports, optionally
// with client TLS certificates, each member with its own temporary data dir.
// A watchdog shell kills etcd as soon as this process goes away, even when
// it dies without running exit handlers, so no etcd outlives the test run.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BINARY = process.env.K8TS_ETCD ?? '/usr/bin/etcd';

export interface EtcdTls {
  ca: string;
  cert: string;
  key: string;
}

export interface EtcdMember {
  name: string;
  endpoint: string;
  /** Kills this member (SIGKILL); its data dir stays until stop(). */
  kill(): Promise<void>;
  logs(): string;
}

export interface TestEtcd {
  endpoints: string[];
  members: EtcdMember[];
  /** PEM client credentials when started with tls: true. */
  tls?: EtcdTls;
  stop(): Promise<void>;
}

export interface EtcdOptions {
  members?: 1 | 3;
  tls?: boolean;
  /** Milliseconds to wait for the cluster to become healthy. */
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) killGroup(p);
});

function killGroup(p: ChildProcess): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** A free TCP port on 127.0.0.1, found by listening on port 0. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with openssl. */
export function makeCerts(dir: string): { ca: string; serverCert: string; serverKey: string; client: EtcdTls } {
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=k8ts-test-etcd-ca');
  const leaf = (name: string, cn: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    ssl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-days', '2', '-out', f(`${name}.crt`), '-extfile', f(`${name}.ext`));
  };
  leaf('server', 'etcd', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  leaf('client', 'k8ts-apiserver', 'extendedKeyUsage=clientAuth\n');
  const read = (n: string) => readFileSync(f(n), 'utf8');
  return { ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), client: { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') } };
}

// Keeps etcd tied to our stdin: when this process dies the pipe closes and the shell kills etcd.
const WATCHDOG = 'exec 3<&0; "$@" 3<&- </dev/null & c=$!; (read _ <&3; kill -9 $c; rm -rf "$ETCD_ROOT") & wait $c';

export async function startEtcd(opts: EtcdOptions = {}): Promise<TestEtcd> {
  const n = opts.members ?? 1;
  const root = mkdtempSync(join(tmpdir(), 'k8ts-etcd-'));
  const certs = opts.tls ? makeCerts(root) : undefined;
  const scheme = certs ? 'https' : 'http';
  const ports = await Promise.all(Array.from({ length: n * 2 }, freePort));
  const names = Array.from({ length: n }, (_, i) => `m${i}`);
  const peerUrl = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const cluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(',');
  const procs: ChildProcess[] = [];
  const members: EtcdMember[] = names.map((name, i) => {
    const endpoint = `${scheme}://127.0.0.1:${ports[2 * i]}`;
    const args = [
      `--name=${name}`, `--data-dir=${join(root, name)}`,
      `--listen-client-urls=${endpoint}`, `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peerUrl(i)}`, `--initial-advertise-peer-urls=${peerUrl(i)}`,
      `--initial-cluster=${cluster}`, '--initial-cluster-state=new', `--initial-cluster-token=k8ts-${process.pid}-${ports[0]}`,
      // Room for a 1.5 MiB value plus the request around it.
      '--max-request-bytes=2097152',
      // Short elections keep the failover test fast.
      '--heartbeat-interval=50', '--election-timeout=500',
      '--logger=zap', '--log-outputs=stderr', '--log-level=warn',
    ];
    if (certs) {
      args.push(`--cert-file=${certs.serverCert}`, `--key-file=${certs.serverKey}`, `--trusted-ca-file=${certs.ca}`, '--client-cert-auth');
    }
    const p = spawn('sh', ['-c', WATCHDOG, 'etcd-watchdog', ETCD_BINARY, ...args], {
      detached: true, stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, ETCD_ROOT: root },
    });
    let log = '';
    p.stderr!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-20_000); });
    p.on('exit', () => running.delete(p));
    running.add(p);
    procs.push(p);
    return {
      name, endpoint, logs: () => log,
      kill: async () => { await killAndWait(p); },
    };
  });
  const stop = async () => {
    await Promise.all(procs.map(killAndWait));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitHealthy(members, procs, certs?.client, opts.timeoutMs ?? 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoints: members.map((m) => m.endpoint), members, tls: certs?.client, stop };
}

async function killAndWait(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  killGroup(p);
  await exited;
}

async function waitHealthy(members: EtcdMember[], procs: ChildProcess[], tls: EtcdTls | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const [i, m] of members.entries()) {
    for (;;) {
      const p = procs[i]!;
      if (p.exitCode !== null) throw new Error(`etcd ${m.name} exited with ${p.exitCode}:\n${m.logs()}`);
      if (await healthy(m.endpoint, tls)) break;
      if (Date.now() > deadline) throw new Error(`etcd ${m.name} at ${m.endpoint} not healthy within ${timeoutMs} ms:\n${m.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** GET /health on the client URL: true once the member has a leader and serves reads. */
function healthy(endpoint: string, tls: EtcdTls | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const url = new URL('/health', endpoint);
    const req = (tls ? httpsRequest : httpRequest)(url, { timeout: 1000, ...tls }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(res.statusCode === 200 && /"health":\s*"true"/.test(body)));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
