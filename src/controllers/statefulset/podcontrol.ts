// Pod and claim writes for the StatefulSet controller (upstream's
// StatefulPodControl): claims are created before their pod, pods are
// repaired when their identity or storage drifts, claim ownerReferences
// follow the retention policy, and every write is reported as an event on
// the set with upstream's reasons and messages.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Recorder } from '../../client/events.ts';
import { claimsFor, identityMatches, ordinalOf, claimName, storageMatches, updateIdentity, updateStorage } from './identity.ts';
import { hasStaleOwnerRef, hasUnexpectedController, isClaimOwnerUpToDate, retentionPolicy, wantedClaimRefs } from './claims.ts';
import type { Owner } from './claims.ts';

export const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;
export const PVCS = RESOURCES.find((r) => r.group === '' && r.resource === 'persistentvolumeclaims')!;

/** Reads claims from a cache (an informer keyed namespace/name). */
export interface ClaimLister {
  get(key: string): any | undefined;
}

const code = (err: unknown): number | undefined => (err as any)?.status?.code;
const message = (err: unknown): string => (err as any)?.status?.message ?? String((err as Error)?.message ?? err);
const title = (verb: string) => verb[0].toUpperCase() + verb.slice(1);

export const setOwner = (set: any): Owner => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', obj: set });
export const podOwner = (pod: any): Owner => ({ apiVersion: 'v1', kind: 'Pod', obj: pod });

export class StatefulPodControl {
  private readonly client: Client;
  private readonly claims: ClaimLister;
  private readonly recorder: Recorder;

  constructor(client: Client, claims: ClaimLister, recorder: Recorder) {
    this.client = client;
    this.claims = claims;
    this.recorder = recorder;
  }

  /** Creates the pod's claims, then the pod. Resolves false when the pod already exists (a stale cache). */
  async createPod(set: any, pod: any): Promise<boolean> {
    try {
      await this.createClaims(set, pod);
    } catch (err) {
      this.podEvent('create', set, pod, err);
      throw err;
    }
    let created: any;
    try {
      created = await this.client.create(PODS, set.metadata.namespace, pod);
    } catch (err) {
      if (code(err) === 409) return false;
      this.podEvent('create', set, pod, err);
      throw err;
    }
    try {
      await this.updateClaimsForRetention(set, created);
    } catch (err) {
      this.podEvent('update', set, pod, err);
      throw err;
    }
    this.podEvent('create', set, pod);
    return true;
  }

  /** Brings identity, storage and claim ownership back in line with the set. */
  async updatePod(set: any, pod: any): Promise<void> {
    const fixed = structuredClone(pod);
    let consistent = true;
    if (!identityMatches(set, fixed)) {
      updateIdentity(set, fixed);
      consistent = false;
    }
    try {
      if (!storageMatches(set, fixed)) {
        updateStorage(set, fixed);
        consistent = false;
        await this.createClaims(set, fixed);
      }
      if (!this.claimsMatchRetention(set, fixed)) {
        await this.updateClaimsForRetention(set, fixed);
      }
    } catch (err) {
      this.podEvent('update', set, pod, err);
      throw err;
    }
    if (consistent) return;
    try {
      await this.client.update(PODS, set.metadata.namespace, fixed);
      this.podEvent('update', set, pod);
    } catch (err) {
      this.podEvent('update', set, pod, err);
      throw err;
    }
  }

  async deletePod(set: any, pod: any): Promise<void> {
    try {
      await this.client.delete(PODS, pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } });
      this.podEvent('delete', set, pod);
    } catch (err) {
      if (code(err) === 404) return;
      this.podEvent('delete', set, pod, err);
      throw err;
    }
  }

  /** True when every existing claim of the pod carries the ownerReferences the policy wants. */
  claimsMatchRetention(set: any, pod: any): boolean {
    const ordinal = ordinalOf(pod);
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const claim = this.claims.get(`${set.metadata.namespace}/${claimName(set, t, ordinal)}`);
      if (claim && !isClaimOwnerUpToDate(claim, setOwner(set), podOwner(pod))) return false;
    }
    return true;
  }

  async updateClaimsForRetention(set: any, pod: any): Promise<void> {
    const ordinal = ordinalOf(pod);
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(set, t, ordinal);
      const claim = this.claims.get(`${set.metadata.namespace}/${name}`);
      if (!claim) continue; // picked up once the cache has it
      if (hasUnexpectedController(claim, setOwner(set), podOwner(pod))) {
        this.recorder.event(set, 'Warning', 'ConflictingController',
          `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`);
      }
      if (isClaimOwnerUpToDate(claim, setOwner(set), podOwner(pod))) continue;
      const refs = wantedClaimRefs(claim, setOwner(set), podOwner(pod));
      try {
        await this.client.patch(PVCS, set.metadata.namespace, name,
          { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: claim.metadata.resourceVersion } }, { type: 'merge' });
      } catch (err) {
        throw new Error(`could not update claim ${name} for delete policy ownerRefs: ${message(err)}`, { cause: err });
      }
    }
  }

  /** A claim still owned by an earlier pod of this name blocks the pod's re-creation until the collector removes it. */
  podClaimIsStale(set: any, pod: any): boolean {
    if (retentionPolicy(set).whenScaled === 'Retain') return false;
    for (const c of claimsFor(set, pod).values()) {
      const existing = this.claims.get(`${c.metadata.namespace}/${c.metadata.name}`);
      if (existing && hasStaleOwnerRef(existing, podOwner(pod))) return true;
    }
    return false;
  }

  /** Creates the claims the pod lacks; also for pending pods whose claim was deleted. */
  async createClaims(set: any, pod: any): Promise<void> {
    const errs: string[] = [];
    for (const claim of claimsFor(set, pod).values()) {
      const existing = this.claims.get(`${claim.metadata.namespace}/${claim.metadata.name}`);
      if (existing) {
        if (existing.metadata.deletionTimestamp) errs.push(`pvc ${claim.metadata.name} is being deleted`);
        continue;
      }
      try {
        await this.client.create(PVCS, claim.metadata.namespace, claim);
        this.claimEvent(set, pod, claim);
      } catch (err) {
        if (code(err) === 409) continue;
        errs.push(`failed to create PVC ${claim.metadata.name}: ${message(err)}`);
        this.claimEvent(set, pod, claim, err);
      }
    }
    if (errs.length) throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
  }

  private podEvent(verb: string, set: any, pod: any, err?: unknown): void {
    const name = pod.metadata.name;
    if (err === undefined) this.recorder.event(set, 'Normal', `Successful${title(verb)}`, `${verb} Pod ${name} in StatefulSet ${set.metadata.name} successful`);
    else this.recorder.event(set, 'Warning', `Failed${title(verb)}`, `${verb} Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${message(err)}`);
  }

  private claimEvent(set: any, pod: any, claim: any, err?: unknown): void {
    const c = claim.metadata.name;
    const p = pod.metadata.name;
    if (err === undefined) this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${c} Pod ${p} in StatefulSet ${set.metadata.name} success`);
    else this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${c} for Pod ${p} in StatefulSet ${set.metadata.name} failed error: ${message(err)}`);
  }
}
