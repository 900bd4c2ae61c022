// `k8ts kubelet`: one real node. Registers it, keeps its Lease, and runs
// the pods bound to it through containerd (CRI), until SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { Client } from '../client/rest.ts';
import { loadKubeconfig } from '../client/kubeconfig.ts';
import { Kubelet } from '../kubelet/index.ts';
import { validCIDR } from '../kubelet/cni.ts';
import { parseLabels } from './hollow.ts';
import { logger } from './log.ts';

const USAGE = `Usage: k8ts kubelet --kubeconfig PATH --node-name NAME --container-runtime-endpoint unix:///PATH --pod-cidr CIDR --root-dir DIR
  [--cni-conf-dir DIR] [--cni-bridge NAME] [--node-ip IP] [--node-labels k=v,...] [--max-pods N]
  [--cluster-dns IP[,IP]] [--cluster-domain DOMAIN] [--cgroup-root PATH]
`;

export async function runKubelet(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true,
      options: {
        kubeconfig: { type: 'string' }, 'node-name': { type: 'string' }, 'container-runtime-endpoint': { type: 'string' },
        'pod-cidr': { type: 'string' }, 'root-dir': { type: 'string' }, 'cni-conf-dir': { type: 'string' }, 'cni-bridge': { type: 'string', default: 'k8ts0' },
        'node-ip': { type: 'string' }, 'node-labels': { type: 'string' }, 'max-pods': { type: 'string', default: '110' },
        'cluster-dns': { type: 'string' }, 'cluster-domain': { type: 'string', default: 'cluster.local' }, 'cgroup-root': { type: 'string' },
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
  const endpoint = str('container-runtime-endpoint')!;
  const socketPath = endpoint.replace(/^unix:\/\//, '');
  const log = logger('kubelet');
  const client = new Client({ ...loadKubeconfig(str('kubeconfig')!, `k8ts-kubelet/${str('node-name')}`), timeoutMs: 30_000 });
  const kubelet = new Kubelet({
    client, nodeName: str('node-name')!, runtimeEndpoint: endpoint.startsWith('unix://') ? endpoint : `unix://${endpoint}`,
    podCIDR: str('pod-cidr')!, rootDir: str('root-dir')!,
    // containerd as k8ts configures it reads CNI configs beside its socket.
    cniConfDir: str('cni-conf-dir') ?? join(socketPath, '..', 'cni/net.d'),
    bridge: str('cni-bridge'), nodeIP: str('node-ip'), labels: parseLabels(str('node-labels')), maxPods,
    clusterDNS: str('cluster-dns')?.split(',').map((s) => s.trim()).filter(Boolean), clusterDomain: str('cluster-domain'),
    ...(str('cgroup-root') ? { cgroupRoot: str('cgroup-root') } : {}), log,
  });
  await kubelet.start();
  process.stdout.write(`k8ts kubelet: node ${str('node-name')} running\n`);
  await new Promise<void>((done) => {
    process.once('SIGTERM', () => done());
    process.once('SIGINT', () => done());
  });
  kubelet.stop();
  client.close();
  return 0;
}
