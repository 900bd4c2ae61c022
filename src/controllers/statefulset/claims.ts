// persistentVolumeClaimRetentionPolicy through ownerReferences, as upstream:
// a claim the set should delete with itself (whenDeleted: Delete) has the
// set as controller; a claim of a pod scaled away (whenScaled: Delete) has
// that pod as controller, so the garbage collector deletes it after the pod.
// Claims with stale or foreign controllers are left alone.
import { inOrdinalRange } from './identity.ts';

export interface Owner {
  apiVersion: string;
  kind: string;
  obj: any;
}

export function retentionPolicy(set: any): { whenDeleted: string; whenScaled: string } {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: p.whenDeleted || 'Retain', whenScaled: p.whenScaled || 'Retain' };
}

const matchesRef = (ref: any, o: Owner) => ref.apiVersion === o.apiVersion && ref.kind === o.kind && ref.name === o.obj.metadata.name;
const refsOf = (claim: any): any[] => claim.metadata?.ownerReferences ?? [];
const hasOwnerRef = (claim: any, owner: any) => refsOf(claim).some((r) => r.uid === owner.metadata.uid);

/** A ref that names the object but not its uid: left by an earlier incarnation. */
export function hasStaleOwnerRef(claim: any, o: Owner): boolean {
  const ref = refsOf(claim).find((r) => matchesRef(r, o));
  return ref ? ref.uid !== o.obj.metadata.uid : false;
}

/** Another controller owns the claim (or ours with a stale uid): the retention policy is not applied to it. */
export function hasUnexpectedController(claim: any, set: Owner, pod: Owner): boolean {
  const policy = retentionPolicy(set.obj);
  if (policy.whenScaled === 'Retain' && policy.whenDeleted === 'Retain') return false;
  for (const ref of refsOf(claim)) {
    const ours = [set, pod].find((o) => matchesRef(ref, o));
    if (ours) {
      if (ref.uid !== ours.obj.metadata.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

function hasNonControllerOwner(claim: any, set: any, pod: any): boolean {
  return refsOf(claim).some((r) => (r.uid === set.metadata.uid || r.uid === pod.metadata.uid) && r.controller !== true);
}

export function isClaimOwnerUpToDate(claim: any, set: Owner, pod: Owner): boolean {
  if (hasStaleOwnerRef(claim, set) || hasStaleOwnerRef(claim, pod)) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set.obj) || hasOwnerRef(claim, pod.obj));
  if (hasNonControllerOwner(claim, set.obj, pod.obj)) return false;
  const { whenDeleted, whenScaled } = retentionPolicy(set.obj);
  const scaledDown = !inOrdinalRange(pod.obj, set.obj);
  const onSet = hasOwnerRef(claim, set.obj);
  const onPod = hasOwnerRef(claim, pod.obj);
  if (whenScaled === 'Delete' && whenDeleted === 'Delete') return scaledDown !== onSet && scaledDown === onPod;
  if (whenScaled === 'Delete') return !onSet && scaledDown === onPod;
  if (whenDeleted === 'Delete') return onSet && !onPod;
  return !onSet && !onPod;
}

const controllerRefTo = (o: Owner) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.obj.metadata.name, uid: o.obj.metadata.uid, controller: true, blockOwnerDeletion: true });

/** The claim's ownerReferences as the set's policy wants them (ours scrubbed and re-added). */
export function wantedClaimRefs(claim: any, set: Owner, pod: Owner): any[] {
  const unexpected = hasUnexpectedController(claim, set, pod);
  const refs = refsOf(claim).filter((r) => !matchesRef(r, set) && !matchesRef(r, pod));
  if (unexpected) return refs;
  const { whenDeleted, whenScaled } = retentionPolicy(set.obj);
  const scaledDown = !inOrdinalRange(pod.obj, set.obj);
  if (whenScaled === 'Delete' && scaledDown) refs.push(controllerRefTo(pod));
  if (whenDeleted === 'Delete' && !(whenScaled === 'Delete' && scaledDown)) refs.push(controllerRefTo(set));
  return refs;
}
