// The built-in local-path provisioner (k3s's rancher.io/local-path) and
// the part of upstream's PV controller it needs, since k8ts has no other
// binder. A claim of a local-path class waits for the scheduler to pick a
// node (volume.kubernetes.io/selected-node, WaitForFirstConsumer); then a
// hostPath PV under that node's storage dir is created pre-bound to it,
// pinned to the node by required node affinity, and both sides are bound.
// When the claim goes, the PV is deleted (reclaimPolicy Delete) or marked
// Released (Retain); the node's kubelet removes the directory once no PV
// names it. Of the PV controller's other duties it does the two the
// scheduler relies on, for any class: a new PV with no claim becomes
// Available, and a claim a PV was pre-bound to (the scheduler's static
// binding sets claimRef) is bound to it.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Recorder } from '../../client/events.ts';
import type { Reconciler, Result } from '../../client/controller.ts';

export const PVCS = RESOURCES.find((r) => r.group === '' && r.resource === 'persistentvolumeclaims')!;
export const PVS = RESOURCES.find((r) => r.group === '' && r.resource === 'persistentvolumes')!;
export const STORAGE_CLASSES = RESOURCES.find((r) => r.group === 'storage.k8s.io' && r.resource === 'storageclasses')!;

export const PROVISIONER = 'rancher.io/local-path';
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
const BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** Set by each node's kubelet: where that node keeps local-path volumes (`<data-dir>/storage`). */
export const STORAGE_DIR_ANNOTATION = 'k8ts.io/local-path-storage-dir';
/** For a node that does not say: the server's default data dir's storage. */
export const DEFAULT_STORAGE_DIR = '/var/lib/k8ts/storage';
const ANNOTATION_GRACE_MS = 15_000;

/** A claim's volume directory name, as rancher's provisioner names it. */
export function volumeDirName(pvName: string, pvc: any): string {
  return `${pvName}_${pvc.metadata.namespace}_${pvc.metadata.name}`;
}

export function storageDirOf(node: any, fallback = DEFAULT_STORAGE_DIR): string {
  const dir = node?.metadata?.annotations?.[STORAGE_DIR_ANNOTATION];
  return typeof dir === 'string' && dir.startsWith('/') ? dir.replace(/\/+$/, '') : fallback;
}

/** The PV the provisioner creates for a claim on a node. */
export function provisionedVolume(pvc: any, sc: any, node: any, nodeName: string, storageDir: string): any {
  const name = `pvc-${pvc.metadata.uid}`;
  const hostname = node?.metadata?.labels?.['kubernetes.io/hostname'] ?? nodeName;
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name, annotations: { [PROVISIONED_BY]: PROVISIONER, 'local.path.provisioner/selected-node': nodeName } },
    spec: {
      capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '0' },
      accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path: `${storageDir}/${volumeDirName(name, pvc)}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } },
      claimRef: {
        kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata.namespace, name: pvc.metadata.name,
        uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion,
      },
      ...(sc.mountOptions ? { mountOptions: sc.mountOptions } : {}),
    },
  };
}

const isConflict = (err: unknown) => (err as any)?.status?.code === 409;
const isNotFound = (err: unknown) => (err as any)?.status?.code === 404;

export interface LocalPathConfig {
  client: Client;
  claims: Informer;
  volumes: Informer;
  classes: Informer;
  nodes: Informer;
  recorder: Recorder;
  /** For nodes without the storage-dir annotation. */
  defaultStorageDir?: string;
  now?: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Keys are claims (namespace/name): binds pre-bound PVs, provisions local-path claims and binds them. */
export class LocalPathProvisioner implements Reconciler {
  readonly name = 'local-path-provisioner';
  private readonly c: LocalPathConfig;
  /** Claims told they wait for a consumer (once each, not on every sync). */
  private readonly waiting = new Set<string>();

  constructor(c: LocalPathConfig) {
    this.c = c;
  }

  async reconcile(key: string): Promise<Result> {
    const pvc = this.c.claims.get(key);
    if (!pvc || pvc.metadata.deletionTimestamp) return;
    if (pvc.spec?.volumeName) {
      const pv = this.c.volumes.get(pvc.spec.volumeName);
      if (pv && pv.spec?.claimRef?.uid === pvc.metadata.uid) await this.bind(pvc, pv);
      return;
    }
    const className = pvc.spec?.storageClassName ?? '';
    const preBound = this.c.volumes.byIndex('claim', key).find((pv) => (!pv.spec.claimRef.uid || pv.spec.claimRef.uid === pvc.metadata.uid) &&
      (pv.spec?.storageClassName ?? '') === className && !pv.metadata.deletionTimestamp);
    if (preBound) {
      await this.bind(pvc, preBound);
      return;
    }
    const sc = this.c.classes.get(className);
    if (sc?.provisioner !== PROVISIONER) return;
    const ref = (o: any) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...o });
    const nodeName = pvc.metadata.annotations?.[SELECTED_NODE];
    if (!nodeName) {
      if (sc.volumeBindingMode === 'WaitForFirstConsumer') {
        if (!this.waiting.has(pvc.metadata.uid)) {
          this.waiting.add(pvc.metadata.uid);
          this.c.recorder.event(ref(pvc), 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
        }
      } else {
        this.c.recorder.event(ref(pvc), 'Warning', 'ProvisioningFailed', 'failed to provision volume with StorageClass "' + sc.metadata.name +
          '": configuration error, no node was specified');
      }
      return;
    }
    this.waiting.delete(pvc.metadata.uid);
    const node = this.c.nodes.get(nodeName);
    if (!node) return { requeueAfterMs: 2000 };
    // A kubelet says where its storage is just after it registers: a node that new gets a moment to.
    const age = (this.c.now ?? Date.now)() - Date.parse(node.metadata.creationTimestamp ?? '');
    if (!node.metadata.annotations?.[STORAGE_DIR_ANNOTATION] && age < ANNOTATION_GRACE_MS) return { requeueAfterMs: 1000 };
    const want = provisionedVolume(pvc, sc, node, nodeName, storageDirOf(node, this.c.defaultStorageDir));
    let pv = this.c.volumes.get(want.metadata.name);
    if (!pv) {
      this.c.recorder.event(ref(pvc), 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
      try {
        pv = await this.c.client.create(PVS, '', want);
        this.c.recorder.event(ref(pvc), 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${want.metadata.name}`);
      } catch (err) {
        if (!isConflict(err)) throw err;
        pv = await this.c.client.get(PVS, '', want.metadata.name);
      }
    }
    if (pv.spec?.claimRef?.uid !== pvc.metadata.uid) throw new Error(`volume ${pv.metadata.name} is bound to another claim`);
    await this.bind(pvc, pv);
  }

  /** Upstream's bind: the PV Bound, then the claim's volumeName and annotations, then its status. */
  private async bind(pvc: any, pv: any): Promise<void> {
    const { namespace, name } = pvc.metadata;
    if (!pv.spec.claimRef.uid) {
      pv = await this.c.client.patch(PVS, '', pv.metadata.name, {
        metadata: { resourceVersion: pv.metadata.resourceVersion }, spec: { claimRef: { uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion } },
      });
    }
    if (pv.status?.phase !== 'Bound') {
      await this.c.client.patch(PVS, '', pv.metadata.name, { status: { phase: 'Bound' } }, { subresource: 'status' });
    }
    const a = pvc.metadata.annotations ?? {};
    if (pvc.spec?.volumeName !== pv.metadata.name || a[BIND_COMPLETED] !== 'yes') {
      pvc = await this.c.client.patch(PVCS, namespace, name, {
        metadata: {
          resourceVersion: pvc.metadata.resourceVersion,
          annotations: { [BIND_COMPLETED]: 'yes', [BOUND_BY_CONTROLLER]: 'yes', [STORAGE_PROVISIONER]: PROVISIONER, [BETA_STORAGE_PROVISIONER]: PROVISIONER },
        },
        spec: { volumeName: pv.metadata.name },
      });
    }
    if (pvc.status?.phase !== 'Bound') {
      await this.c.client.patch(PVCS, namespace, name, {
        status: { phase: 'Bound', accessModes: pv.spec?.accessModes, capacity: pv.spec?.capacity },
      }, { subresource: 'status' });
      this.c.log?.('claim bound', { kind: 'PersistentVolumeClaim', object: `${namespace}/${name}`, volume: pv.metadata.name });
    }
  }
}

/** Keys are PV names: new unclaimed PVs become Available; provisioned volumes whose claim is gone are reclaimed. */
export class LocalPathReclaimer implements Reconciler {
  readonly name = 'local-path-reclaimer';
  private readonly c: LocalPathConfig;

  constructor(c: LocalPathConfig) {
    this.c = c;
  }

  async reconcile(key: string): Promise<Result> {
    const pv = this.c.volumes.get(key);
    if (!pv || pv.metadata.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    if (!ref) {
      if ((pv.status?.phase ?? 'Pending') === 'Pending') await this.c.client.patch(PVS, '', key, { status: { phase: 'Available' } }, { subresource: 'status' });
      return;
    }
    if (pv.metadata.annotations?.[PROVISIONED_BY] !== PROVISIONER) return;
    const cached = this.c.claims.get(`${ref.namespace}/${ref.name}`);
    if (cached?.metadata.uid === ref.uid) return;
    // The cache may lag a fresh claim: the API decides before anything is deleted.
    try {
      const live = await this.c.client.get(PVCS, ref.namespace, ref.name);
      if (live.metadata.uid === ref.uid) return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (pv.spec.persistentVolumeReclaimPolicy === 'Delete') {
      try {
        await this.c.client.delete(PVS, '', key, { preconditions: { uid: pv.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.c.log?.('volume deleted', { kind: 'PersistentVolume', object: key, claim: `${ref.namespace}/${ref.name}` });
      return;
    }
    if (pv.status?.phase !== 'Released') {
      await this.c.client.patch(PVS, '', key, { status: { phase: 'Released' } }, { subresource: 'status' });
    }
  }
}

/** Indexes PVs by the claim they name (namespace/name), so a claim's deletion finds its volume. */
export const byClaim = (pv: any): string[] => {
  const r = pv?.spec?.claimRef;
  return r?.name ? [`${r.namespace ?? ''}/${r.name}`] : [];
};
