// Wires the core controllers (ServiceAccount, root CA publisher, Endpoints,
// EndpointSlice and its mirroring, node lifecycle, taint eviction, node IPAM,
// pod GC and the local-path provisioner) to shared informers, so each resource
// is listed and watched once however many of them read it.
import { RESOURCES } from '../api/resources.ts';
import type { Client } from '../client/rest.ts';
import { byNamespace, byNodeName, keyOf } from '../client/informer.ts';
import { SharedInformers } from '../client/shared-informers.ts';
import { Controller, runGroup } from '../client/controller.ts';
import { createRecorder } from '../client/events.ts';
import { ServiceAccountController } from './serviceaccount/index.ts';
import { EndpointsController } from './endpoints/index.ts';
import { byLabelPair, bySelectorPair, servicesSelecting, servicesToUpdateOnPodChange } from './endpoints/podutil.ts';
import { EndpointSliceController, byManagedService, ZONE_LABEL } from './endpointslice/index.ts';
import { NodeLifecycleController } from './nodelifecycle/index.ts';
import { NoScheduleTaints } from './nodelifecycle/noschedule.ts';
import { TaintEvictionController } from './nodelifecycle/tainteviction.ts';
import { RootCACertPublisher, ROOT_CA_CONFIG_MAP } from './rootcacertpublisher/index.ts';
import { EndpointSliceMirroringController, byMirroredEndpoints, shouldMirror, hasSelector } from './endpointslicemirroring/index.ts';
import { NodeIpamController } from './nodeipam/index.ts';
import { PodGCController } from './podgc/index.ts';
import { createResourceQuotaController } from './resourcequota/controller.ts';
import { createDisruptionController } from './disruption/index.ts';
import { createLocalPathProvisioner } from './localpath/controller.ts';

const find = (group: string, resource: string) => RESOURCES.find((r) => r.group === group && r.resource === resource)!;

export interface CoreControllerOptions {
  /** --node-monitor-period (5 s). */
  nodeMonitorPeriodMs?: number;
  /** --node-monitor-grace-period (40 s, as k8ts' issue and upstream before 1.32 have it). */
  nodeMonitorGracePeriodMs?: number;
  /** --node-startup-grace-period (60 s). */
  nodeStartupGracePeriodMs?: number;
  /** --node-eviction-rate (0.1 nodes/s per zone). */
  nodeEvictionRate?: number;
  /** --secondary-node-eviction-rate (0.01). */
  secondaryNodeEvictionRate?: number;
  /** --large-cluster-size-threshold (50). */
  largeClusterSizeThreshold?: number;
  /** --unhealthy-zone-threshold (0.55). */
  unhealthyZoneThreshold?: number;
  /** --max-endpoints-per-slice (100). */
  maxEndpointsPerSlice?: number;
  /** The cluster CA bundle (PEM) published as kube-root-ca.crt in every namespace; without it the publisher does not run. */
  rootCA?: string;
  /** --mirroring-max-endpoints-per-subset (1000). */
  mirroringMaxEndpointsPerSubset?: number;
  /** --allocate-node-cidrs (true here, as in k3s; upstream defaults to false). */
  allocateNodeCIDRs?: boolean;
  /** --cluster-cidr (10.42.0.0/16). */
  clusterCIDR?: string;
  /** --node-cidr-mask-size (24). */
  nodeCIDRMaskSize?: number;
  /** --terminated-pod-gc-threshold (12500). */
  terminatedPodGCThreshold?: number;
  /** How often pod GC runs (upstream's fixed 20 s). */
  podGCPeriodMs?: number;
  /** How long a node must be missing before pod GC deletes its pods (upstream's fixed 40 s). */
  podGCQuarantineMs?: number;
  /** --concurrent-endpoint-syncs / --concurrent-service-endpoint-syncs / --concurrent-serviceaccount-token-syncs (5 each). */
  workers?: number;
  /** The process's shared informers (a private set when absent). */
  informers?: SharedInformers;
}

export function createCoreControllers(client: Client, log: (m: string, f?: Record<string, unknown>) => void, opts: CoreControllerOptions = {}) {
  const workers = opts.workers ?? 5;
  const shared = opts.informers ?? new SharedInformers(client, log);
  const namespaces = shared.informer(find('', 'namespaces'));
  const serviceAccounts = shared.informer(find('', 'serviceaccounts'));
  const services = shared.informer(find('', 'services'), { indexers: { namespace: byNamespace, selector: bySelectorPair } });
  const pods = shared.informer(find('', 'pods'), { indexers: { namespace: byNamespace, node: byNodeName, label: byLabelPair } });
  const endpoints = shared.informer(find('', 'endpoints'));
  const slices = shared.informer(find('discovery.k8s.io', 'endpointslices'), { indexers: { service: byManagedService, mirrored: byMirroredEndpoints } });
  const nodes = shared.informer(find('', 'nodes'));
  const leases = shared.informer(find('coordination.k8s.io', 'leases'), { namespace: 'kube-node-lease' });
  const rootCAConfigMaps = shared.informer(find('', 'configmaps'), { fieldSelector: `metadata.name=${ROOT_CA_CONFIG_MAP}` });
  const informers = [namespaces, serviceAccounts, services, pods, endpoints, slices, nodes, leases, ...(opts.rootCA ? [rootCAConfigMaps] : [])];

  const saReconciler = new ServiceAccountController({ client, namespaces, serviceAccounts });
  const saController = new Controller(saReconciler, { workers, log }).watch(namespaces);
  serviceAccounts.on({ delete: (sa) => { for (const k of saReconciler.namespaceOfDeleted(sa)) saController.queue.add(k); } });

  const extra: Controller[] = [];
  const extraNames: string[] = [];
  if (opts.rootCA) {
    const caReconciler = new RootCACertPublisher({ client, namespaces, configMaps: rootCAConfigMaps, rootCA: opts.rootCA });
    const caController = new Controller(caReconciler, { workers, log }).watch(namespaces);
    rootCAConfigMaps.on({ update: (_o, cm) => { for (const k of caReconciler.namespaceOf(cm)) caController.queue.add(k); }, delete: (cm) => { for (const k of caReconciler.namespaceOf(cm)) caController.queue.add(k); } });
    extra.push(caController);
    extraNames.push('root-ca-cert-publisher');
  }

  const mirrorReconciler = new EndpointSliceMirroringController({
    client, endpoints, services, slices, recorder: createRecorder(client, 'endpoint-slice-mirroring-controller', { log }), maxEndpointsPerSubset: opts.mirroringMaxEndpointsPerSubset,
  });
  const mirrorController = new Controller(mirrorReconciler, { workers, log });
  const mirror = (o: any) => mirrorController.queue.add(keyOf(o));
  // As upstream: only events that can change what is mirrored enqueue the Endpoints' key.
  endpoints.on({ add: (e) => { if (shouldMirror(e)) mirror(e); }, update: (o, e) => { if (shouldMirror(o) || shouldMirror(e)) mirror(e); }, delete: (e) => { if (shouldMirror(e)) mirror(e); } });
  services.on({ add: (s) => { if (!hasSelector(s)) mirror(s); }, update: (o, s) => { if (hasSelector(o) !== hasSelector(s)) mirror(s); }, delete: (s) => { if (!hasSelector(s)) mirror(s); } });
  const mirroredChanged = (s: any) => { for (const k of byMirroredEndpoints(s)) mirrorController.queue.add(k); };
  slices.on({ add: mirroredChanged, update: (o, s) => { mirroredChanged(o); mirroredChanged(s); }, delete: mirroredChanged });
  extra.push(mirrorController);
  extraNames.push('endpointslice-mirroring');

  if (opts.allocateNodeCIDRs ?? true) {
    const ipam = new NodeIpamController({
      client, nodes, recorder: createRecorder(client, 'cidrAllocator', { log }), log, clusterCIDR: opts.clusterCIDR, nodeCIDRMaskSize: opts.nodeCIDRMaskSize,
    });
    const ipamController = new Controller(ipam, { workers, log }).watch(nodes);
    nodes.on({ delete: (n) => ipam.observeDeleted(n) });
    extra.push(ipamController);
    extraNames.push('node-ipam-controller');
  }

  const podGC = new PodGCController({
    client, pods, nodes, log, terminatedPodThreshold: opts.terminatedPodGCThreshold, gcCheckPeriodMs: opts.podGCPeriodMs, quarantineMs: opts.podGCQuarantineMs,
  });

  const disruption = createDisruptionController(client, pods, log, workers, shared);
  informers.push(...disruption.informers);
  extra.push(disruption.controller);
  extraNames.push('disruption');

  const epReconciler = new EndpointsController({ client, services, pods, endpoints });
  const epController = new Controller(epReconciler, { workers, log }).watch(services);
  endpoints.on({ delete: (ep) => epController.queue.add(keyOf(ep)) });

  const sliceReconciler = new EndpointSliceController({ client, services, pods, nodes, slices, maxEndpointsPerSlice: opts.maxEndpointsPerSlice });
  const sliceController = new Controller(sliceReconciler, { workers, log }).watch(services);
  const sliceChanged = (s: any) => { for (const k of byManagedService(s)) sliceController.queue.add(k); };
  slices.on({ add: sliceChanged, update: (_o, s) => sliceChanged(s), delete: sliceChanged });
  nodes.on({
    // A node's zone is copied into every endpoint on it.
    update: (o, n) => {
      if (o.metadata.labels?.[ZONE_LABEL] === n.metadata.labels?.[ZONE_LABEL]) return;
      for (const svc of services.list()) sliceController.queue.add(keyOf(svc));
    },
  });

  // Both controllers want the same Services for a pod event: find them once and queue them in both.
  const podServicesChanged = (keys: string[]) => {
    for (const k of keys) {
      epController.queue.add(k);
      sliceController.queue.add(k);
    }
  };
  pods.on({
    add: (p) => podServicesChanged(servicesSelecting(services, p)),
    update: (o, p) => podServicesChanged(servicesToUpdateOnPodChange(services, o, p)),
    delete: (p) => podServicesChanged(servicesSelecting(services, p)),
  });

  const lifecycle = new NodeLifecycleController({
    client, nodes, leases, pods, recorder: createRecorder(client, 'node-controller', { log }), log,
    nodeMonitorPeriodMs: opts.nodeMonitorPeriodMs, nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs,
    nodeStartupGracePeriodMs: opts.nodeStartupGracePeriodMs, nodeEvictionRate: opts.nodeEvictionRate,
    secondaryNodeEvictionRate: opts.secondaryNodeEvictionRate, largeClusterSizeThreshold: opts.largeClusterSizeThreshold,
    unhealthyZoneThreshold: opts.unhealthyZoneThreshold,
  });
  lifecycle.register();
  const noSchedule = new Controller(new NoScheduleTaints({ client, nodes }), { workers: 1, log }).watch(nodes);
  const eviction = new TaintEvictionController({ client, nodes, pods, recorder: createRecorder(client, 'taint-eviction-controller', { log }), log });
  eviction.register();

  const quota = createResourceQuotaController(client, pods, log, workers, undefined, shared);
  informers.push(quota.informer);
  extra.push(quota.controller);
  extraNames.push('resourcequota');

  const localPath = createLocalPathProvisioner(client, nodes, log, shared);
  informers.push(...localPath.informers);
  extra.push(...localPath.controllers);
  extraNames.push('local-path-provisioner');

  const controllers = [saController, epController, sliceController, noSchedule, ...extra];
  return {
    names: ['serviceaccount', 'endpoints', 'endpointslice', 'node-lifecycle-controller', 'taint-eviction-controller', 'pod-garbage-collector', ...extraNames],
    // The taint eviction controller has nothing to start: it acts on informer events.
    ...runGroup(informers, [...controllers, lifecycle, podGC, eviction]),
  };
}
