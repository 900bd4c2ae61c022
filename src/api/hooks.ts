// Per-kind behaviour the generic registry applies around every write:
// upstream's defaulting (SetDefaults_*), validation (create and update,
// with upstream's field paths and messages), the fields usable in field
// selectors, and how metadata.name is checked. One table, keyed by
// group/version/kind; kinds without special rules get {}.
import type { FieldError } from './core/v1/errors.ts';
import type { NameValidation } from './core/v1/meta-validation.ts';
import { validateObjectMeta } from './core/v1/meta-validation.ts';
import { coreV1 } from './core/v1/index.ts';
import { appsV1 } from './apps/v1/index.ts';
import { batchV1 } from './batch/v1/index.ts';
import { autoscalingV1 } from './autoscaling/v1/index.ts';
import { autoscalingV2 } from './autoscaling/v2/index.ts';
import { policyV1 } from './policy/v1/index.ts';
import { networkingV1 } from './networking/v1/index.ts';
import { storageV1 } from './storage/v1/index.ts';
import { schedulingV1 } from './scheduling/v1/index.ts';
import { rbacV1 } from './rbac/v1/index.ts';
import { discoveryV1 } from './discovery/v1/index.ts';
import { coordinationV1 } from './coordination/v1/index.ts';
import { eventsV1 } from './events/v1/index.ts';

export type { FieldError };
export type { NameValidation };
export { validateObjectMeta };

export interface KindHooks {
  /** Upstream's SetDefaults_* for the kind, applied in place on create and update (after decoding). */
  defaults?(obj: any): void;
  /** Validation on create (metadata is checked by the caller through validateObjectMeta). */
  validate?(obj: any): FieldError[];
  /** Validation on update, including immutable fields. */
  validateUpdate?(obj: any, old: any): FieldError[];
  /** The kind's own field-selector fields (the caller adds metadata.name and metadata.namespace). */
  selectableFields?(obj: any): Record<string, string>;
  /** How metadata.name is validated; dns1123Subdomain when absent. */
  nameValidation?: NameValidation;
  /** The kind has a spec/status split (a status subresource or status owned by a controller). */
  hasStatus?: boolean;
}

const TABLE: Record<string, Record<string, KindHooks>> = {
  'v1': coreV1,
  'apps/v1': appsV1,
  'batch/v1': batchV1,
  'autoscaling/v1': autoscalingV1,
  'autoscaling/v2': autoscalingV2,
  'policy/v1': policyV1,
  'networking.k8s.io/v1': networkingV1,
  'storage.k8s.io/v1': storageV1,
  'scheduling.k8s.io/v1': schedulingV1,
  'rbac.authorization.k8s.io/v1': rbacV1,
  'discovery.k8s.io/v1': discoveryV1,
  'coordination.k8s.io/v1': coordinationV1,
  'events.k8s.io/v1': eventsV1,
};

const NONE: KindHooks = Object.freeze({});

export function hooksFor(group: string, version: string, kind: string): KindHooks {
  const gv = group === '' ? version : `${group}/${version}`;
  return TABLE[gv]?.[kind] ?? NONE;
}
