// Wiring for the local-path provisioner: its claim, volume and class
// informers (the node informer is shared with the core group). A claim's
// change, or a PV naming it, provisions or binds; a claim's deletion
// reclaims its volume.
import type { Client } from '../../client/rest.ts';
import { keyOf } from '../../client/informer.ts';
import type { Informer } from '../../client/informer.ts';
import { SharedInformers } from '../../client/shared-informers.ts';
import { Controller } from '../../client/controller.ts';
import { createRecorder } from '../../client/events.ts';
import { LocalPathProvisioner, LocalPathReclaimer, PVCS, PVS, STORAGE_CLASSES, PROVISIONER, STORAGE_DIR_ANNOTATION, byClaim } from './index.ts';

export function createLocalPathProvisioner(client: Client, nodes: Informer, log: (m: string, f?: Record<string, unknown>) => void, shared = new SharedInformers(client, log),
  workers = 2, defaultStorageDir?: string) {
  const claims = shared.informer(PVCS);
  const volumes = shared.informer(PVS, { indexers: { claim: byClaim } });
  const classes = shared.informer(STORAGE_CLASSES);
  const cfg = { client, claims, volumes, classes, nodes, recorder: createRecorder(client, PROVISIONER, { log }), defaultStorageDir, log };
  const provisioner = new Controller(new LocalPathProvisioner(cfg), { workers, log }).watch(claims);
  const reclaimer = new Controller(new LocalPathReclaimer(cfg), { workers, log }).watch(volumes);
  claims.on({ delete: (pvc) => { for (const pv of volumes.byIndex('claim', keyOf(pvc))) reclaimer.queue.add(keyOf(pv)); } });
  // A PV pre-bound to a claim (the scheduler sets claimRef) binds that claim.
  const claimOf = (pv: any) => { for (const k of byClaim(pv)) provisioner.queue.add(k); };
  volumes.on({ add: claimOf, update: (_o, pv) => claimOf(pv) });
  // A node's storage dir may be annotated after a claim chose it.
  nodes.on({ update: (o, n) => {
    if (o.metadata.annotations?.[STORAGE_DIR_ANNOTATION] === n.metadata.annotations?.[STORAGE_DIR_ANNOTATION]) return;
    for (const pvc of claims.list()) if (!pvc.spec?.volumeName) provisioner.queue.add(keyOf(pvc));
  } });
  return { informers: [claims, volumes, classes], controllers: [provisioner, reclaimer] };
}
