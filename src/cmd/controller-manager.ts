// `k8ts controller-manager`: runs the controllers against an apiserver,
// through the client only. `k8ts server` starts it as a child process.
import { parseArgs } from 'node:util';
import { RESOURCES } from '../api/resources.ts';
import { Client } from '../client/rest.ts';
import { loadKubeconfig } from '../client/kubeconfig.ts';
import { SharedInformers } from '../client/shared-informers.ts';
import { Controller } from '../client/controller.ts';
import { GarbageCollector } from '../controllers/garbagecollector/index.ts';
import { NamespaceController } from '../controllers/namespace/index.ts';
import { logger } from './log.ts';
import { createWorkloadControllers } from '../controllers/workloads.ts';
import { createBatchControllers } from '../controllers/batch.ts';
import { createCoreControllers } from '../controllers/core.ts';
import { createAutoscalingControllers } from '../controllers/autoscaling.ts';
import { parseDurationMs } from './duration.ts';
import { CidrSet } from '../controllers/nodeipam/cidrset.ts';
import { LeaderElector } from '../client/leader-election.ts';
import { hostname } from 'node:os';
import { clockFromEnv } from '../client/clock.ts';
import { randomUUID } from 'node:crypto';

export async function runControllerManager(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      kubeconfig: { type: 'string' }, 'leader-elect': { type: 'boolean', default: true }, 'no-leader-elect': { type: 'boolean', default: false },
      'node-monitor-period': { type: 'string', default: '5s' }, 'node-monitor-grace-period': { type: 'string', default: '40s' },
      'node-startup-grace-period': { type: 'string', default: '60s' },
      'allocate-node-cidrs': { type: 'string', default: 'true' }, 'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
      'node-cidr-mask-size': { type: 'string', default: '24' }, 'terminated-pod-gc-threshold': { type: 'string', default: '12500' },
      'mirroring-max-endpoints-per-subset': { type: 'string', default: '1000' },
      // k8ts' own: upstream fixes these at 20 s and 40 s; tests shorten them.
      'pod-gc-period': { type: 'string', default: '20s' }, 'pod-gc-quarantine': { type: 'string', default: '40s' },
      'horizontal-pod-autoscaler-sync-period': { type: 'string', default: '15s' },
      'horizontal-pod-autoscaler-downscale-stabilization': { type: 'string', default: '5m' },
      'horizontal-pod-autoscaler-cpu-initialization-period': { type: 'string', default: '5m' },
      'horizontal-pod-autoscaler-initial-readiness-delay': { type: 'string', default: '30s' },
      'horizontal-pod-autoscaler-tolerance': { type: 'string', default: '0.1' },
    },
  });
  if (!values.kubeconfig) {
    process.stderr.write('k8ts controller-manager: --kubeconfig PATH is required\n');
    return 2;
  }
  const durations: Record<string, number> = {};
  for (const flag of ['node-monitor-period', 'node-monitor-grace-period', 'node-startup-grace-period', 'pod-gc-period', 'pod-gc-quarantine',
    'horizontal-pod-autoscaler-sync-period', 'horizontal-pod-autoscaler-downscale-stabilization', 'horizontal-pod-autoscaler-cpu-initialization-period',
    'horizontal-pod-autoscaler-initial-readiness-delay'] as const) {
    const ms = parseDurationMs(values[flag]!);
    if (ms === undefined) {
      process.stderr.write(`k8ts controller-manager: --${flag} must be a duration such as 40s or 1m30s, not "${values[flag]}"\n`);
      return 2;
    }
    durations[flag] = ms;
  }
  const ints: Record<string, number> = {};
  for (const flag of ['node-cidr-mask-size', 'terminated-pod-gc-threshold', 'mirroring-max-endpoints-per-subset'] as const) {
    const n = Number(values[flag]);
    if (!/^-?\d+$/.test(values[flag]!) || !Number.isSafeInteger(n)) {
      process.stderr.write(`k8ts controller-manager: --${flag} must be an integer, not "${values[flag]}"\n`);
      return 2;
    }
    ints[flag] = n;
  }
  if (!['true', 'false'].includes(values['allocate-node-cidrs']!)) {
    process.stderr.write(`k8ts controller-manager: --allocate-node-cidrs must be true or false, not "${values['allocate-node-cidrs']}"\n`);
    return 2;
  }
  const allocateNodeCIDRs = values['allocate-node-cidrs'] === 'true';
  if (allocateNodeCIDRs) {
    try {
      new CidrSet(values['cluster-cidr']!, ints['node-cidr-mask-size']);
    } catch (err) {
      process.stderr.write(`k8ts controller-manager: --cluster-cidr/--node-cidr-mask-size: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const tolerance = Number(values['horizontal-pod-autoscaler-tolerance']);
  if (!/^\d*\.?\d+$/.test(values['horizontal-pod-autoscaler-tolerance']!) || !(tolerance >= 0)) {
    process.stderr.write(`k8ts controller-manager: --horizontal-pod-autoscaler-tolerance must be a non-negative number, not "${values['horizontal-pod-autoscaler-tolerance']}"\n`);
    return 2;
  }
  if (ints['mirroring-max-endpoints-per-subset'] < 1) {
    process.stderr.write('k8ts controller-manager: --mirroring-max-endpoints-per-subset must be at least 1\n');
    return 2;
  }
  const log = logger('controller-manager');
  const clientConfig = loadKubeconfig(values.kubeconfig, 'k8ts-controller-manager');
  const client = new Client(clientConfig);

  // One informer per resource for every controller (as upstream's shared informer factory).
  const informers = new SharedInformers(client, log);
  const gc = new GarbageCollector({ client, log, informers });
  const clock = clockFromEnv();
  const workloads = createWorkloadControllers(client, log, clock, informers);
  const batch = createBatchControllers(client, log, { clock, informers });
  const autoscaling = createAutoscalingControllers(client, log, {
    clock, informers, syncPeriodMs: durations['horizontal-pod-autoscaler-sync-period'], downscaleStabilizationMs: durations['horizontal-pod-autoscaler-downscale-stabilization'],
    calculator: {
      tolerance, cpuInitializationPeriodMs: durations['horizontal-pod-autoscaler-cpu-initialization-period'],
      delayOfInitialReadinessStatusMs: durations['horizontal-pod-autoscaler-initial-readiness-delay'],
    },
  });
  const core = createCoreControllers(client, log, {
    nodeMonitorPeriodMs: durations['node-monitor-period'],
    nodeMonitorGracePeriodMs: durations['node-monitor-grace-period'],
    nodeStartupGracePeriodMs: durations['node-startup-grace-period'],
    // Upstream publishes --root-ca-file, or else the CA of its own kubeconfig, as here.
    rootCA: clientConfig.caPem,
    allocateNodeCIDRs, clusterCIDR: values['cluster-cidr'], nodeCIDRMaskSize: ints['node-cidr-mask-size'],
    terminatedPodGCThreshold: ints['terminated-pod-gc-threshold'], podGCPeriodMs: durations['pod-gc-period'], podGCQuarantineMs: durations['pod-gc-quarantine'],
    mirroringMaxEndpointsPerSubset: ints['mirroring-max-endpoints-per-subset'], informers,
  });
  const namespaces = informers.informer(RESOURCES.find((r) => r.group === '' && r.resource === 'namespaces')!);
  const nsController = new Controller(new NamespaceController({ client, namespaces }), { workers: 2, log }).watch(namespaces);
  const startControllers = async () => {
    namespaces.start();
    await namespaces.waitForSync();
    nsController.start();
    await workloads.start();
    await batch.start();
    await autoscaling.start();
    await core.start();
    await gc.start();
    log('controllers started', { controllers: ['garbagecollector', 'namespace', ...workloads.names, ...batch.names, ...autoscaling.names, ...core.names] });
  };

  let elector: LeaderElector | null = null;
  let lost = false;
  const stopped = new Promise<void>((done) => {
    process.once('SIGTERM', () => done());
    process.once('SIGINT', () => done());
  });
  if (values['leader-elect'] && !values['no-leader-elect']) {
    elector = new LeaderElector({
      client, namespace: 'kube-system', name: 'kube-controller-manager', identity: `${hostname()}_${randomUUID()}`, log,
      onStartedLeading: () => { startControllers().catch((err) => log('controllers failed to start', { error: String(err) })); },
      // Upstream exits when leadership is lost, so that no controller keeps acting on stale state.
      onStoppedLeading: () => { lost = true; process.kill(process.pid, 'SIGTERM'); },
    });
    elector.start();
  } else {
    await startControllers();
  }
  await stopped;
  await elector?.stop();
  namespaces.stop();
  await nsController.stop();
  await workloads.stop();
  await batch.stop();
  await autoscaling.stop();
  await core.stop();
  await gc.stop();
  client.close();
  return lost ? 1 : 0;
}
