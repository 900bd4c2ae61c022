// The hooks of the apps/v1 kinds.
import type { KindHooks } from '../../hooks.ts';
import { defaultDeployment, defaultDaemonSet, defaultStatefulSet, defaultReplicaSet } from './defaults.ts';
import {
  validateDeployment, validateDeploymentUpdate, validateReplicaSet, validateReplicaSetUpdate, validateDaemonSet, validateDaemonSetUpdate,
  validateStatefulSet, validateStatefulSetUpdate, validateControllerRevisionUpdate,
} from './validation.ts';
import { replicasFields } from '../../core/v1/fields.ts';

export const appsV1: Record<string, KindHooks> = {
  Deployment: { defaults: defaultDeployment, validate: validateDeployment, validateUpdate: validateDeploymentUpdate, hasStatus: true },
  ReplicaSet: {
    defaults: defaultReplicaSet, validate: validateReplicaSet, validateUpdate: validateReplicaSetUpdate, selectableFields: replicasFields, hasStatus: true,
  },
  StatefulSet: { defaults: defaultStatefulSet, validate: validateStatefulSet, validateUpdate: validateStatefulSetUpdate, hasStatus: true },
  DaemonSet: { defaults: defaultDaemonSet, validate: validateDaemonSet, validateUpdate: validateDaemonSetUpdate, hasStatus: true },
  ControllerRevision: { validateUpdate: validateControllerRevisionUpdate },
};
