// `k8ts kubelet`: one real node. Registers it, keeps its Lease, and runs
// the pods bound to it through containerd (CRI), until SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Client } from '../client/rest.ts';
import { loadKubeconfig } from '../client/kubeconfig.ts';
import { Kubelet } from '../kubelet/index.ts';
import { validCIDR } from '../kubelet/cni.ts';
import { parseLabels } from './hollow.ts';
import { logger } from './log.ts';
import { parseTaints } from './taints.ts';

const USAGE = `Usage: k8ts kubelet --kubeconfig PATH --node-name NAME --container-runtime-endpoint unix:///PATH --pod-cidr CIDR --root-dir DIR
  [--cni-conf-dir DIR] [--cni-bridge NAME] [--node-ip IP] [--node-labels k=v,...] [--node-taints key=value:Effect,...] [--max-pods N]
  [--cluster-dns IP[,IP]] [--cluster-domain DOMAIN] [--cgroup-root PATH]
  [--tls-cert-file PATH --tls-private-key-file PATH --client-ca-file PATH] [--port N (default 10250; 0: no server)] [--address IP]
`;

export async function runKubelet(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true,
      options: {
        kubeconfig: { type: 'string' }, 'node-name': { type: 'string' }, 'container-runtime-endpoint': { type: 'string' },
        'pod-cidr': { type: 'string' }, 'root-dir': { type: 'string' }, 'cni-conf-dir': { type: 'string' }, 'cni-bridge': { type: 'string', default: 'k8ts0' },
        'node-ip': { type: 'string' }, 'node-labels': { type: 'string' }, 'node-taints': { type: 'string' }, 'register-with-taints': { type: 'string' }, 'max-pods': { type: 'string', default: '110' },
        'cluster-dns': { type: 'string' }, 'cluster-domain': { type: 'string', default: 'cluster.local' }, 'cgroup-root': { type: 'string' },
        'tls-cert-file': { type: 'string' }, 'tls-private-key-file': { type: 'string' }, 'client-ca-file': { type: 'string' },
        port: { type: 'string', default: '10250' }, address: { type: 'string', default: '0.0.0.0' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`k8ts kubelet: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const str = (k: string) => values[k] as string | undefined;
  for (const k of ['kubeconfig', 'node-name', 'container-runtime-endpoint', 'pod-cidr', 'root-dir']) {
    if (!str(k)) {
      process.stderr.write(`k8ts kubelet: --${k} is required\n${USAGE}`);
      return 2;
    }
  }
  if (!validCIDR(str('pod-cidr')!)) {
    process.stderr.write(`k8ts kubelet: --pod-cidr "${str('pod-cidr')}" is not an IPv4 CIDR\n`);
    return 2;
  }
  const maxPods = Number(str('max-pods'));
  if (!Number.isInteger(maxPods) || maxPods < 1) {
    process.stderr.write(`k8ts kubelet: --max-pods must be a positive whole number, not "${str('max-pods')}"\n`);
    return 2;
  }
  let server;
  let taints;
  try {
    // Put on the Node when it is created (upstream's --register-with-taints, which is accepted too).
    taints = parseTaints([str('node-taints') ?? '', str('register-with-taints') ?? '']);
    server = serverConfig(str);
  } catch (err) {
    process.stderr.write(`k8ts kubelet: ${(err as Error).message}\n`);
    return 2;
  }
  const endpoint = str('container-runtime-endpoint')!;
  const socketPath = endpoint.replace(/^unix:\/\//, '');
  const log = logger('kubelet');
  const client = new Client({ ...loadKubeconfig(str('kubeconfig')!, `k8ts-kubelet/${str('node-name')}`), timeoutMs: 30_000 });
  const kubelet = new Kubelet({
    client, nodeName: str('node-name')!, runtimeEndpoint: endpoint.startsWith('unix://') ? endpoint : `unix://${endpoint}`,
    podCIDR: str('pod-cidr')!, rootDir: str('root-dir')!,
    // containerd as k8ts configures it reads CNI configs beside its socket.
    cniConfDir: str('cni-conf-dir') ?? join(socketPath, '..', 'cni/net.d'),
    bridge: str('cni-bridge'), nodeIP: str('node-ip'), labels: parseLabels(str('node-labels')), taints, maxPods,
    clusterDNS: str('cluster-dns')?.split(',').map((s) => s.trim()).filter(Boolean), clusterDomain: str('cluster-domain'),
    ...(str('cgroup-root') ? { cgroupRoot: str('cgroup-root') } : {}), ...(server ? { server } : {}), log,
  });
  await kubelet.start();
  if (!server && str('port') !== '0') log('not serving logs: give --tls-cert-file, --tls-private-key-file and --client-ca-file (or --port 0 to silence this)', { node: str('node-name') });
  process.stdout.write(`k8ts kubelet: node ${str('node-name')} running${kubelet.serverPort ? `, serving on port ${kubelet.serverPort}` : ''}\n`);
  await new Promise<void>((done) => {
    process.once('SIGTERM', () => done());
    process.once('SIGINT', () => done());
  });
  kubelet.stop();
  client.close();
  return 0;
}

/** The HTTPS server's settings; undefined when --port is 0 or no certificate was given. */
function serverConfig(str: (k: string) => string | undefined): { port: number; address: string; tls: { certPem: string; keyPem: string; clientCaPem: string } } | undefined {
  const port = Number(str('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0-65535), not "${str('port')}"`);
  const files = ['tls-cert-file', 'tls-private-key-file', 'client-ca-file'];
  const given = files.filter((k) => str(k));
  if (port === 0 || given.length === 0) return undefined;
  if (given.length < files.length) throw new Error(`--${files.find((k) => !str(k))} is required with --${given[0]}`);
  const read = (k: string) => {
    try {
      return readFileSync(str(k)!, 'utf8');
    } catch (err) {
      throw new Error(`--${k}: cannot read ${str(k)}: ${(err as Error).message}`);
    }
  };
  return { port, address: str('address')!, tls: { certPem: read('tls-cert-file'), keyPem: read('tls-private-key-file'), clientCaPem: read('client-ca-file') } };
}
