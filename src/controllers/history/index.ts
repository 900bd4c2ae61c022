// Controller history: ControllerRevisions shared by the DaemonSet and
// StatefulSet controllers.
export { REVISION_HASH_LABEL, canonicalJson, hashOf, revisionName, newControllerRevision, sortRevisions, nextRevision, equalRevision, findEqualRevisions, revisionsToPrune } from './revision.ts';
export type { NewRevisionArgs } from './revision.ts';
export { History, CONTROLLER_REVISIONS } from './history.ts';
export type { RevisionLister } from './history.ts';
