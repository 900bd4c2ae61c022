// persistentVolumeClaim volumes: claim → bound PV → a directory on this
// node (hostPath or local), with upstream kubelet's "error processing PVC"
// messages. The directories of local-path PVs are made world-writable when
// first created, as rancher's provisioner makes them. Which pods use which
// PV directory is remembered, so the storage janitor never removes one in use.
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { checkHostPath } from './host.ts';
import type { ObjectSource } from './projection.ts';

const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';

/** PV directory → the pods (uids) that have it prepared. */
const inUse = new Map<string, Set<string>>();

export function pathsInUse(): Set<string> {
  return new Set(inUse.keys());
}

export function releaseClaims(uid: string): void {
  for (const [path, pods] of inUse) {
    pods.delete(uid);
    if (pods.size === 0) inUse.delete(path);
  }
}

/** Resolves and prepares one claim volume; the directory to bind-mount and whether it is read-only. */
export async function setupClaim(pod: any, v: any, src: ObjectSource): Promise<{ path: string; readOnly: boolean }> {
  const ns = pod.metadata.namespace;
  const name = v.persistentVolumeClaim.claimName;
  const fail = (why: string) => new Error(`error processing PVC ${ns}/${name}: ${why}`);
  if (!src.claim || !src.volume) throw fail('this kubelet cannot read claims');
  const pvc = await src.claim(name);
  if (!pvc) throw fail(`failed to fetch PVC from API server: persistentvolumeclaims "${name}" not found`);
  if (pvc.metadata.deletionTimestamp) throw fail(`can't start pod because PVC ${ns}/${name} is being deleted`);
  const pvName = pvc.spec?.volumeName;
  if (!pvName || pvc.status?.phase !== 'Bound') throw fail('PVC is not bound');
  const pv = await src.volume(pvName);
  if (!pv) throw fail(`failed to fetch PV ${pvName} from API server: persistentvolumes "${pvName}" not found`);
  const ref = pv.spec?.claimRef;
  if (!ref) throw fail(`found PV object ${pvName} but it has a nil or empty ClaimRef`);
  if (ref.uid !== pvc.metadata.uid) {
    throw fail(`found PV object ${pvName} but its ClaimRef UID ${ref.uid} does not point to PVC ${ns}/${name} with UID ${pvc.metadata.uid}`);
  }
  const readOnly = !!v.persistentVolumeClaim.readOnly;
  let path: string;
  if (pv.spec.hostPath) {
    path = pv.spec.hostPath.path;
    const fresh = !existsSync(path);
    if (fresh && pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] === LOCAL_PATH_PROVISIONER) {
      mkdirSync(path, { recursive: true });
      chmodSync(path, 0o777);
    } else {
      checkHostPath(path, pv.spec.hostPath.type);
    }
  } else if (pv.spec.local) {
    path = pv.spec.local.path;
    // A local PV's directory is the administrator's: it must exist.
    if (!existsSync(path)) throw new Error(`path "${path}" does not exist`);
    if (!statSync(path).isDirectory()) throw new Error(`path "${path}" is not a directory`);
  } else {
    throw new Error(`persistent volume ${pvName} has a volume type this kubelet does not support`);
  }
  let pods = inUse.get(path);
  if (!pods) inUse.set(path, (pods = new Set()));
  pods.add(pod.metadata.uid);
  return { path, readOnly };
}
