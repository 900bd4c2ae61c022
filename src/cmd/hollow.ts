// `k8ts hollow`: N simulated kubelets in one process, until stopped.
// SIGUSR1 stops every node's heartbeats (a mass node failure); SIGUSR2
// resumes them. It logs its RSS and CPU per 1,000 nodes every minute.
import { parseArgs } from 'node:util';
import { Client } from '../client/rest.ts';
import { loadKubeconfig } from '../client/kubeconfig.ts';
import { HollowCluster } from '../hollow/index.ts';
import { logger } from './log.ts';

export function parseLabels(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`--node-labels: "${part}" is not key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/**
 * --stats-address: where this process serves every hollow node's kubelet
 * stats (/stats/summary), advertised in the nodes' status, so it must be
 * an address the apiserver can reach (default 127.0.0.1).
 */
export function parseStatsAddress(raw: string | undefined): { address?: string } {
  if (raw === undefined) return {};
  const address = raw.trim();
  if (address === '' || /[\s/]/.test(address)) throw new Error(`--stats-address: "${raw}" is not a host address`);
  return { address };
}

export async function runHollow(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      kubeconfig: { type: 'string' }, nodes: { type: 'string', default: '10' }, 'name-prefix': { type: 'string', default: 'hollow-' },
      cpu: { type: 'string', default: '32' }, memory: { type: 'string', default: '256Gi' }, pods: { type: 'string', default: '110' },
      'node-labels': { type: 'string' }, zones: { type: 'string', default: '0' }, 'stats-address': { type: 'string' },
    },
  });
  if (!values.kubeconfig) {
    process.stderr.write('k8ts hollow: --kubeconfig PATH is required\n');
    return 2;
  }
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1) {
    process.stderr.write(`k8ts hollow: --nodes must be a positive whole number, not "${values.nodes}"\n`);
    return 2;
  }
  let stats: { address?: string };
  try {
    stats = parseStatsAddress(values['stats-address']);
  } catch (err) {
    process.stderr.write(`k8ts hollow: ${(err as Error).message}\n`);
    return 2;
  }
  const log = logger('hollow');
  const client = new Client({ ...loadKubeconfig(values.kubeconfig, 'k8ts-hollow'), timeoutMs: 60_000 });
  const cluster = new HollowCluster({
    client, nodes, namePrefix: values['name-prefix'], cpu: values.cpu, memory: values.memory, pods: Number(values.pods),
    labels: parseLabels(values['node-labels']), zones: Number(values.zones), stats, log,
  });
  await cluster.start();
  process.stdout.write(`k8ts hollow: ${nodes} nodes running\n`);
  process.on('SIGUSR1', () => cluster.setAllHeartbeats(false));
  process.on('SIGUSR2', () => cluster.setAllHeartbeats(true));
  let lastCpu = process.cpuUsage();
  let lastAt = Date.now();
  const report = setInterval(() => {
    const cpu = process.cpuUsage(lastCpu);
    const secs = (Date.now() - lastAt) / 1000;
    lastCpu = process.cpuUsage();
    lastAt = Date.now();
    const perK = 1000 / nodes;
    log('resource use', {
      nodes, rssMiBPer1000Nodes: Math.round((process.memoryUsage().rss / 2 ** 20) * perK),
      cpuCoresPer1000Nodes: Number((((cpu.user + cpu.system) / 1e6 / secs) * perK).toFixed(3)),
    });
  }, 60_000);
  await new Promise<void>((done) => {
    process.once('SIGTERM', () => done());
    process.once('SIGINT', () => done());
  });
  clearInterval(report);
  cluster.stop();
  client.close();
  return 0;
}
