// `k8ts server`: the control plane in one process. Parses flags, checks the
// data dir, opens storage, makes the PKI and kubeconfig, starts the
// apiserver, and shuts everything down on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { mkdirSync, accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBackend } from '../storage/index.ts';
import { ensurePki } from '../apiserver/pki/index.ts';
import { writeKubeconfig } from '../apiserver/kubeconfig.ts';
import { createAuthenticator } from '../apiserver/authn/index.ts';
import { startApiServer } from '../apiserver/server.ts';
import { firstIP } from '../apiserver/admission/cidr.ts';
import { logger } from './log.ts';
import { supervise } from './supervisor.ts';
import { startLocalAgent } from './local-agent.ts';
import { hostname } from 'node:os';
import { primaryIPv4 } from '../kubelet/node.ts';
import { ensureJoinToken } from '../apiserver/join-token.ts';
import { createJoinHandler } from '../apiserver/join.ts';
import { ensureSigningKey, ServiceAccountTokens } from '../apiserver/serviceaccount/index.ts';
import { serviceAccountTokenAuthenticator } from '../apiserver/authn/service-account.ts';

const USAGE = `Usage: k8ts server [flags]

Flags:
  --data-dir DIR               state directory (default /var/lib/k8ts)
  --https-listen-port N        apiserver port (default 6443)
  --bind-address IP            address to listen on (default 0.0.0.0)
  --tls-san NAME               extra name or IP for the serving certificate (repeatable)
  --write-kubeconfig PATH      also write the admin kubeconfig here
  --datastore-endpoint URLS    use etcd at these comma-separated endpoints instead of SQLite
  --service-cidr CIDR          Service IP range (default 10.43.0.0/16)
  --disable-agent              do not run a kubelet (and containerd) on this host
  --disable-scheduler          do not run the default scheduler (run your own \`k8ts scheduler\`)
  --disable-controller-manager do not run the controller manager
  --node-name NAME             this host's node name (default: the hostname)
  --node-labels k=v,...        labels for this host's node
  --node-ip IP                 this host's node address
  --cluster-cidr CIDR          pod IP range; this host's node gets its first /24, joining agents the next free ones (default 10.42.0.0/16)
  --container-runtime-endpoint unix:///PATH
                               use this CRI socket instead of starting containerd
  --kube-controller-manager-arg FLAG=VALUE
                               pass a flag to the controller manager (repeatable)
`;

export class UsageError extends Error {}

/** The first /24 of an IPv4 range: the pod CIDR of the server's own node. */
export function firstSlash24(cidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || bits > 24 || bits < 8) throw new UsageError(`--cluster-cidr must be an IPv4 range of /8 to /24, such as 10.42.0.0/16, not "${cidr}"`);
  const base = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8)) >>> 0;
  const net = (base & (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0)) >>> 0;
  return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.0/24`;
}

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
      'disable-scheduler': { type: 'boolean', default: false },
      'disable-controller-manager': { type: 'boolean', default: false },
      'node-name': { type: 'string', default: hostname().toLowerCase() },
      'node-labels': { type: 'string' },
      'node-ip': { type: 'string' },
      'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
      'container-runtime-endpoint': { type: 'string' },
      'kube-controller-manager-arg': { type: 'string', multiple: true, default: [] },
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
    disableScheduler: values['disable-scheduler']!,
    disableControllerManager: values['disable-controller-manager']!,
    nodeName: values['node-name']!,
    nodeLabels: values['node-labels'],
    nodeIP: values['node-ip'],
    clusterCIDR: values['cluster-cidr']!,
    nodePodCIDR: firstSlash24(values['cluster-cidr']!),
    runtimeEndpoint: values['container-runtime-endpoint'],
    controllerManagerArgs: (values['kube-controller-manager-arg'] as string[]).map((a) => {
      if (!/^[a-z][a-z0-9-]*=/.test(a)) throw new UsageError(`--kube-controller-manager-arg takes FLAG=VALUE (for example node-monitor-grace-period=40s), not "${a}"`);
      return `--${a}`;
    }),
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
  // Service account tokens are signed with a key made on first start and kept, as k3s's service.key.
  const serviceAccountTokens = new ServiceAccountTokens({ key: ensureSigningKey(join(flags.dataDir, 'tls', 'service.key')) });
  const authenticator = createAuthenticator({
    clientCaPem: pki.clientCaPem, tokens: new Map(), tokenAuthenticators: [serviceAccountTokenAuthenticator(serviceAccountTokens, log)],
  });
  // pods/log reaches kubelets with this client certificate and checks theirs against the cluster CA.
  const kubeletClient = await pki.issueClientCert('system:kube-apiserver-kubelet-client', ['system:masters']);
  // Agents join with this token (k3s's format); its password survives restarts.
  const token = ensureJoinToken(join(flags.dataDir, 'token'), pki.caCertPem);
  const joinHandler = createJoinHandler({
    caPem: pki.caCertPem, password: token.password, pki, clusterCIDR: flags.clusterCIDR, reserved: [flags.nodePodCIDR],
    allocationsFile: join(flags.dataDir, 'pod-cidrs.json'), log,
  });

  let server;
  try {
    server = await startApiServer({
      backend,
      tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.clientCaPem },
      authenticator,
      port: flags.port,
      bindAddress: flags.bindAddress,
      serviceCIDR: flags.serviceCIDR,
      kubeletClient: { ...kubeletClient, caPem: pki.caCertPem },
      join: joinHandler,
      serviceAccountTokens,
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
  const controllerManager = flags.disableControllerManager ? undefined
    : supervise('controller-manager', ['controller-manager', '--kubeconfig', cmKubeconfig, `--cluster-cidr=${flags.clusterCIDR}`, ...flags.controllerManagerArgs], log);
  const schedCert = await pki.issueClientCert('system:kube-scheduler', ['system:masters']);
  const schedKubeconfig = join(flags.dataDir, 'cred', 'scheduler.kubeconfig');
  await writeKubeconfig(schedKubeconfig, { ...kubeconfig, server: `https://127.0.0.1:${server.port}`, certPem: schedCert.certPem, keyPem: schedCert.keyPem });
  const scheduler = flags.disableScheduler ? undefined : supervise('scheduler', ['scheduler', '--kubeconfig', schedKubeconfig], log);
  let agent: { stop(): Promise<void> } | undefined;
  if (!flags.disableAgent) {
    const nodeCert = await pki.issueClientCert(`system:node:${flags.nodeName}`, ['system:nodes', 'system:masters']);
    const nodeKubeconfig = join(flags.dataDir, 'cred', 'kubelet.kubeconfig');
    await writeKubeconfig(nodeKubeconfig, { ...kubeconfig, server: `https://127.0.0.1:${server.port}`, certPem: nodeCert.certPem, keyPem: nodeCert.keyPem });
    const serving = await pki.issueServingCert(`system:node:${flags.nodeName}`, [flags.nodeName, 'localhost', '127.0.0.1', flags.nodeIP ?? primaryIPv4()]);
    const kubeletTls = { certFile: join(flags.dataDir, 'cred', 'kubelet-serving.crt'), keyFile: join(flags.dataDir, 'cred', 'kubelet-serving.key'), clientCaFile: join(flags.dataDir, 'tls', 'ca.crt') };
    writeFileSync(kubeletTls.certFile, serving.certPem);
    writeFileSync(kubeletTls.keyFile, serving.keyPem, { mode: 0o600 });
    try {
      agent = await startLocalAgent({
        dataDir: flags.dataDir, nodeName: flags.nodeName, kubeconfig: nodeKubeconfig, podCIDR: flags.nodePodCIDR,
        runtimeEndpoint: flags.runtimeEndpoint, nodeLabels: flags.nodeLabels, nodeIP: flags.nodeIP, kubeletTls, log,
      });
    } catch (err) {
      await Promise.all([controllerManager?.stop(), scheduler?.stop()]);
      await server.close();
      await backend.close();
      throw new Error(`the local node could not start: ${(err as Error).message}. Install containerd and runc (scripts/install.sh), pass --container-runtime-endpoint, or run with --disable-agent.`);
    }
  }

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
  // All at once, so that no component is restarted while the node tears down.
  await Promise.all([agent?.stop(), controllerManager?.stop(), scheduler?.stop()]);
  await server.close();
  await backend.close();
  return 0;
}
