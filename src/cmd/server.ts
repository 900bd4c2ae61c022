// `k8ts server`: the control plane in one process. Parses flags, checks the
// data dir, opens storage, makes the PKI and kubeconfig, starts the
// apiserver, and shuts everything down on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { mkdirSync, accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBackend } from '../storage/index.ts';
import { ensurePki } from '../apiserver/pki/index.ts';
import { writeKubeconfig } from '../apiserver/kubeconfig.ts';
import { createAuthenticator } from '../apiserver/authn/index.ts';
import { startApiServer } from '../apiserver/server.ts';
import { firstIP } from '../apiserver/admission/cidr.ts';
import { logger } from './log.ts';
import { supervise } from './supervisor.ts';

const USAGE = `Usage: k8ts server [flags]

Flags:
  --data-dir DIR               state directory (default /var/lib/k8ts)
  --https-listen-port N        apiserver port (default 6443)
  --bind-address IP            address to listen on (default 0.0.0.0)
  --tls-san NAME               extra name or IP for the serving certificate (repeatable)
  --write-kubeconfig PATH      also write the admin kubeconfig here
  --datastore-endpoint URLS    use etcd at these comma-separated endpoints instead of SQLite
  --service-cidr CIDR          Service IP range (default 10.43.0.0/16)
  --disable-agent              do not run a kubelet on this host
`;

export class UsageError extends Error {}

export function parseServerFlags(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'data-dir': { type: 'string', default: '/var/lib/k8ts' },
      'https-listen-port': { type: 'string', default: '6443' },
      'bind-address': { type: 'string', default: '0.0.0.0' },
      'tls-san': { type: 'string', multiple: true, default: [] },
      'write-kubeconfig': { type: 'string' },
      'datastore-endpoint': { type: 'string' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16' },
      'disable-agent': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const port = Number(values['https-listen-port']);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--https-listen-port must be a port number (1-65535), not "${values['https-listen-port']}"`);
  return {
    dataDir: resolve(values['data-dir']!),
    port,
    bindAddress: values['bind-address']!,
    tlsSans: values['tls-san'] as string[],
    writeKubeconfig: values['write-kubeconfig'],
    datastoreEndpoint: values['datastore-endpoint'],
    serviceCIDR: values['service-cidr']!,
    disableAgent: values['disable-agent']!,
    help: values.help!,
  };
}

function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (err) {
    throw new Error(`data dir ${dir} is unusable: ${(err as Error).message}. Pass a writable directory with --data-dir.`);
  }
}

export async function runServer(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseServerFlags(argv);
  } catch (err) {
    process.stderr.write(`k8ts server: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = logger('server');
  checkDataDir(flags.dataDir);
  firstIP(flags.serviceCIDR); // validates the flag before anything starts

  const backend = await createBackend(flags.datastoreEndpoint
    ? { endpoints: flags.datastoreEndpoint.split(',').map((s) => s.trim()).filter(Boolean) }
    : { dataDir: flags.dataDir });
  const pki = await ensurePki({ dir: join(flags.dataDir, 'tls'), sans: flags.tlsSans, serviceIP: firstIP(flags.serviceCIDR) });
  const authenticator = createAuthenticator({ clientCaPem: pki.clientCaPem, tokens: new Map() });

  let server;
  try {
    server = await startApiServer({
      backend,
      tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.clientCaPem },
      authenticator,
      port: flags.port,
      bindAddress: flags.bindAddress,
      serviceCIDR: flags.serviceCIDR,
      log,
    });
  } catch (err) {
    await backend.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${flags.port} is already in use; stop whatever listens there or pick another with --https-listen-port`);
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') {
      throw new Error(`cannot listen on ${flags.bindAddress}: no such address on this host (--bind-address)`);
    }
    throw err;
  }

  const host = flags.bindAddress === '0.0.0.0' ? '127.0.0.1' : flags.bindAddress;
  const kubeconfig = { server: `https://${host}:${server.port}`, caPem: pki.caCertPem, certPem: pki.adminCertPem, keyPem: pki.adminKeyPem };
  const kubeconfigPath = join(flags.dataDir, 'kubeconfig.yaml');
  await writeKubeconfig(kubeconfigPath, kubeconfig);
  if (flags.writeKubeconfig) await writeKubeconfig(resolve(flags.writeKubeconfig), kubeconfig);
  const cmKubeconfig = join(flags.dataDir, 'cred', 'controller-manager.kubeconfig');
  // Until RBAC is enforced the controllers act with the admin group's rights.
  const cmCert = await pki.issueClientCert('system:kube-controller-manager', ['system:masters']);
  await writeKubeconfig(cmKubeconfig, { ...kubeconfig, server: `https://127.0.0.1:${server.port}`, certPem: cmCert.certPem, keyPem: cmCert.keyPem });
  const controllerManager = supervise('controller-manager', ['controller-manager', '--kubeconfig', cmKubeconfig], log);
  const schedCert = await pki.issueClientCert('system:kube-scheduler', ['system:masters']);
  const schedKubeconfig = join(flags.dataDir, 'cred', 'scheduler.kubeconfig');
  await writeKubeconfig(schedKubeconfig, { ...kubeconfig, server: `https://127.0.0.1:${server.port}`, certPem: schedCert.certPem, keyPem: schedCert.keyPem });
  const scheduler = supervise('scheduler', ['scheduler', '--kubeconfig', schedKubeconfig], log);

  process.stdout.write(`k8ts server is ready on https://${host}:${server.port}\n` +
    `  export KUBECONFIG=${flags.writeKubeconfig ? resolve(flags.writeKubeconfig) : kubeconfigPath}\n  kubectl get namespaces\n`);

  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      log('shutting down', { signal });
      done();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await Promise.all([controllerManager.stop(), scheduler.stop()]);
  await server.close();
  await backend.close();
  return 0;
}
