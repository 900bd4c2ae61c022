// A private image registry for tests: Debian's docker-registry (distribution
// v2.8) on a free 127.0.0.1 port, plain HTTP, htpasswd (bcrypt) auth, its
// storage in a fresh directory; seeded with the project's offline images by
// skopeo. stop() kills it and removes the directory. A containerd reaches it
// once configureRegistryHost() marks the host as plain HTTP.
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './cluster.ts';
import { pushImages } from '../../scripts/images/images.ts';

export interface TestRegistry {
  /** 127.0.0.1:PORT, as image references name it */
  host: string;
  user: string;
  password: string;
  dir: string;
  process: ChildProcess;
  /** The references of the seeded images (e.g. 127.0.0.1:PORT/busybox:1). */
  images: string[];
  /** A kubernetes.io/dockerconfigjson Secret for this registry, as `kubectl create -f -` takes it. */
  pullSecret(name: string, creds?: { user: string; password: string }): string;
  logs(): string;
  stop(): Promise<void>;
}

function config(dir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    'auth:',
    '  htpasswd:',
    '    realm: k8ts-test-registry',
    `    path: ${join(dir, 'htpasswd')}`,
    '',
  ].join('\n');
}

async function answers(host: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 401; // up, and asking for credentials
  } catch {
    return false;
  }
}

export async function startRegistry(opts: { user?: string; password?: string; seed?: boolean } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync('/tmp/k8ts-reg-');
  const user = opts.user ?? 'k8ts';
  const password = opts.password ?? randomBytes(9).toString('base64url');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  // The registry reads bcrypt entries only; htpasswd -B writes them.
  writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', user, password]));
  writeFileSync(join(dir, 'config.yml'), config(dir, port));
  const logFile = join(dir, 'registry.log');
  const fd = openSync(logFile, 'a');
  const proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const logs = () => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } };
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 15_000;
    while (!(await answers(host))) {
      if (proc.exitCode !== null) throw new Error(`docker-registry exited with ${proc.exitCode}:\n${logs()}`);
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host} within 15 s:\n${logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const images = opts.seed === false ? [] : await pushImages(join(dir, 'seed'), { registry: host, creds: `${user}:${password}`, tlsVerify: false });
    rmSync(join(dir, 'seed'), { recursive: true, force: true });
    return {
      host, user, password, dir, process: proc, images, logs, stop,
      pullSecret(name, creds = { user, password }) {
        const auth = Buffer.from(`${creds.user}:${creds.password}`).toString('base64');
        const dockerconfig = JSON.stringify({ auths: { [host]: { username: creds.user, password: creds.password, auth } } });
        return JSON.stringify({
          apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': Buffer.from(dockerconfig).toString('base64') },
        });
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
