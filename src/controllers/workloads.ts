// Wires the workload controllers (Deployment, ReplicaSet,
// ReplicationController) to shared informers, so each resource is listed and
// watched once however many controllers read it.
import { RESOURCES } from '../api/resources.ts';
import type { Client } from '../client/rest.ts';
import { byNamespace, byOwnerUid } from '../client/informer.ts';
import { SharedInformers } from '../client/shared-informers.ts';
import { Controller, runGroup } from '../client/controller.ts';
import { createRecorder } from '../client/events.ts';
import { ReplicaSetController } from './replicaset/index.ts';
import { DeploymentController } from './deployment/index.ts';
import { StatefulSetController } from './statefulset/index.ts';
import { DaemonSetController } from './daemonset/index.ts';
import { byOrphanNamespace } from './util/pods.ts';
import { systemClock } from '../client/clock.ts';
import type { Clock } from '../client/clock.ts';

const find = (group: string, resource: string) => RESOURCES.find((r) => r.group === group && r.resource === resource)!;

export function createWorkloadControllers(client: Client, log: (m: string, f?: Record<string, unknown>) => void, clock: Clock = systemClock,
  shared = new SharedInformers(client, log)) {
  const indexers = { namespace: byNamespace, owner: byOwnerUid };
  const pods = shared.informer(find('', 'pods'), { indexers: { ...indexers, orphan: byOrphanNamespace } });
  const replicaSets = shared.informer(find('apps', 'replicasets'), { indexers });
  const rcs = shared.informer(find('', 'replicationcontrollers'), { indexers });
  const deployments = shared.informer(find('apps', 'deployments'), { indexers });
  const informers = [pods, replicaSets, rcs, deployments];
  // StatefulSets: claims and controller revisions are read from caches too.
  const statefulSets = shared.informer(find('apps', 'statefulsets'), { indexers });
  const pvcs = shared.informer(find('', 'persistentvolumeclaims'), { indexers });
  const controllerRevisions = shared.informer(find('apps', 'controllerrevisions'), { indexers });
  informers.push(statefulSets, pvcs, controllerRevisions);

  const rsReconciler = new ReplicaSetController({ client, resource: find('apps', 'replicasets'), owners: replicaSets, pods, recorder: createRecorder(client, 'replicaset-controller', { log }) });
  const rcReconciler = new ReplicaSetController({ client, resource: find('', 'replicationcontrollers'), owners: rcs, pods, recorder: createRecorder(client, 'replication-controller', { log }) });
  const dReconciler = new DeploymentController({ client, deployments, replicaSets, pods, recorder: createRecorder(client, 'deployment-controller', { log }) });

  const rsController = new Controller(rsReconciler, { workers: 4, log }).watch(replicaSets);
  const rcController = new Controller(rcReconciler, { workers: 2, log }).watch(rcs);
  const dController = new Controller(dReconciler, { workers: 4, log }).watch(deployments);
  for (const [ctl, rec] of [[rsController, rsReconciler], [rcController, rcReconciler]] as const) {
    pods.on({
      add: (p) => { rec.observePodAdded(p); for (const k of rec.ownersOfPod(p)) ctl.queue.add(k); },
      update: (o, p) => { for (const k of new Set([...rec.ownersOfPod(o), ...rec.ownersOfPod(p)])) ctl.queue.add(k); },
      delete: (p) => { rec.observePodDeleted(p); for (const k of rec.ownersOfPod(p)) ctl.queue.add(k); },
    });
  }
  replicaSets.on({
    add: (rs) => { for (const k of dReconciler.ownersOfReplicaSet(rs)) dController.queue.add(k); },
    update: (_o, rs) => { for (const k of dReconciler.ownersOfReplicaSet(rs)) dController.queue.add(k); },
    delete: (rs) => { for (const k of dReconciler.ownersOfReplicaSet(rs)) dController.queue.add(k); },
  });
  const stsReconciler = new StatefulSetController({
    client, sets: statefulSets, pods, claims: pvcs, revisions: controllerRevisions, recorder: createRecorder(client, 'statefulset-controller', { log }),
    now: () => clock.now(), // minReadySeconds
  });
  const stsController = new Controller(stsReconciler, { workers: 4, log }).watch(statefulSets)
    .watch(controllerRevisions, (r) => stsReconciler.setsOfRevision(r))
    // A claim reaching the cache lets the set apply its retention policy to it.
    .watch(pvcs, (c) => stsReconciler.setsOfClaim(c));
  pods.on({
    add: (p) => { for (const k of stsReconciler.setsOfPod(p)) stsController.queue.add(k); },
    update: (o, p) => { for (const k of new Set([...stsReconciler.setsOfPod(o), ...stsReconciler.setsOfPod(p)])) stsController.queue.add(k); },
    delete: (p) => { for (const k of stsReconciler.setsOfPod(p)) stsController.queue.add(k); },
  });

  // DaemonSets: placement reads nodes; revisions are shared with StatefulSets.
  const daemonSets = shared.informer(find('apps', 'daemonsets'), { indexers });
  const nodes = shared.informer(find('', 'nodes'));
  informers.push(daemonSets, nodes);
  stsController.resyncOnJump(clock, statefulSets);
  const dsReconciler = new DaemonSetController({
    client, daemonSets, nodes, pods, revisions: controllerRevisions, recorder: createRecorder(client, 'daemonset-controller', { log }), now: () => clock.now(),
  });
  const dsController = new Controller(dsReconciler, { workers: 2, log }).watch(daemonSets)
    .watch(controllerRevisions, (r) => dsReconciler.ownersOf(r)).resyncOnJump(clock, daemonSets);
  pods.on({
    add: (p) => { dsReconciler.observePodAdded(p); for (const k of dsReconciler.ownersOf(p)) dsController.queue.add(k); },
    update: (o, p) => {
      // A graceful delete starting counts as the deletion (the node may take its time to confirm it).
      if (p.metadata.deletionTimestamp && !o.metadata.deletionTimestamp) dsReconciler.observePodDeleted(p);
      for (const k of new Set([...dsReconciler.ownersOf(o), ...dsReconciler.ownersOf(p)])) dsController.queue.add(k);
    },
    delete: (p) => { dsReconciler.observePodDeleted(p); for (const k of dsReconciler.ownersOf(p)) dsController.queue.add(k); },
  });
  nodes.on({
    add: (n) => { for (const k of dsReconciler.affectedByNode(undefined, n)) dsController.queue.add(k); },
    update: (o, n) => { for (const k of dsReconciler.affectedByNode(o, n)) dsController.queue.add(k); },
    delete: (n) => { for (const k of dsReconciler.affectedByNode(n, undefined)) dsController.queue.add(k); },
  });

  const controllers = [rsController, rcController, dController, stsController, dsController];
  return {
    names: ['replicaset', 'replicationcontroller', 'deployment', 'statefulset', 'daemonset'],
    ...runGroup(informers, controllers),
  };
}
