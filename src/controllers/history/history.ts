// The I/O half of controller history: the revisions an owner controls
// (claiming matching orphans and releasing ones that stopped matching, as
// upstream's ControllerRefManager does for ControllerRevisions), and
// creating, renumbering and deleting revisions through the API.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import { controllerRef } from '../util/pods.ts';
import { equalRevision, newControllerRevision } from './revision.ts';
import type { NewRevisionArgs } from './revision.ts';

export const CONTROLLER_REVISIONS = RESOURCES.find((r) => r.group === 'apps' && r.resource === 'controllerrevisions')!;

/** What History reads revisions from: an informer over controllerrevisions with a `namespace` index. */
export interface RevisionLister {
  byIndex(index: string, value: string): any[];
}

const code = (err: unknown): number | undefined => (err as any)?.status?.code;

export class History {
  private readonly client: Client;
  private readonly revisions: RevisionLister;

  constructor(client: Client, revisions: RevisionLister) {
    this.client = client;
    this.revisions = revisions;
  }

  /**
   * The revisions parent controls in its namespace. Orphans whose labels
   * match are adopted (unless parent is being deleted); controlled ones
   * that no longer match are released. `matches` is parent's selector.
   */
  async controlled(parent: any, apiVersion: string, kind: string, matches: (labels: Record<string, string>) => boolean): Promise<any[]> {
    const uid = parent.metadata.uid;
    const out: any[] = [];
    for (const rev of this.revisions.byIndex('namespace', parent.metadata.namespace)) {
      const ref = controllerRef(rev);
      const labels = rev.metadata.labels ?? {};
      if (ref?.uid === uid) {
        if (matches(labels)) out.push(rev);
        else await this.setOwners(rev, (rev.metadata.ownerReferences ?? []).filter((r: any) => r.uid !== uid));
      } else if (!ref && matches(labels) && !parent.metadata.deletionTimestamp && !rev.metadata.deletionTimestamp) {
        const ownerRef = { apiVersion, kind, name: parent.metadata.name, uid, controller: true, blockOwnerDeletion: true };
        const adopted = await this.setOwners(rev, [...(rev.metadata.ownerReferences ?? []), ownerRef]);
        if (adopted) out.push(adopted);
      }
    }
    return out;
  }

  /**
   * Creates the revision NewRevisionArgs describe. When the name is taken
   * by a revision with other data (a hash collision), the collision count
   * goes up and the name is computed again; when it is taken by an equal
   * revision, that one is returned. The caller stores collisionCount in the
   * owner's status.
   */
  async create(args: NewRevisionArgs): Promise<{ revision: any; collisionCount: number }> {
    let collisionCount = args.collisionCount ?? 0;
    for (let attempt = 0; attempt < 100; attempt++) {
      const rev = newControllerRevision({ ...args, collisionCount });
      try {
        return { revision: await this.client.create(CONTROLLER_REVISIONS, rev.metadata.namespace, rev), collisionCount };
      } catch (err) {
        if (code(err) !== 409) throw err;
        const existing = await this.client.get(CONTROLLER_REVISIONS, rev.metadata.namespace, rev.metadata.name);
        if (equalRevision(existing, rev)) return { revision: existing, collisionCount };
        collisionCount++;
      }
    }
    throw new Error(`no free ControllerRevision name for ${args.kind} ${args.parent.metadata.namespace}/${args.parent.metadata.name}`);
  }

  /** Gives rev a new revision number (a rollback to it makes it the newest). */
  async renumber(rev: any, revision: number): Promise<any> {
    if (rev.revision === revision) return rev;
    return this.client.update(CONTROLLER_REVISIONS, rev.metadata.namespace, { ...rev, revision });
  }

  async delete(rev: any): Promise<void> {
    try {
      await this.client.delete(CONTROLLER_REVISIONS, rev.metadata.namespace, rev.metadata.name, { preconditions: { uid: rev.metadata.uid } });
    } catch (err) {
      if (code(err) !== 404) throw err;
    }
  }

  private async setOwners(rev: any, refs: any[]): Promise<any | undefined> {
    try {
      return await this.client.patch(CONTROLLER_REVISIONS, rev.metadata.namespace, rev.metadata.name,
        { metadata: { ownerReferences: refs.length ? refs : null, uid: rev.metadata.uid } }, { type: 'merge' });
    } catch (err) {
      // Gone, or changed under us (a uid precondition): the next sync sees the fresh object.
      if (code(err) === 404 || code(err) === 409) return undefined;
      throw err;
    }
  }
}
