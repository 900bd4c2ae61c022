// The hooks of the apps/v1 kinds.
import type { KindHooks } from '../../hooks.ts';
import { defaultDeployment, defaultDaemonSet, defaultStatefulSet, defaultReplicaSet } from './defaults.ts';
import { replicasFields } from '../../core/v1/fields.ts';

export const appsV1: Record<string, KindHooks> = {
  Deployment: { defaults: defaultDeployment, hasStatus: true },
  ReplicaSet: { defaults: defaultReplicaSet, selectableFields: replicasFields, hasStatus: true },
  StatefulSet: { defaults: defaultStatefulSet, hasStatus: true },
  DaemonSet: { defaults: defaultDaemonSet, hasStatus: true },
  ControllerRevision: {},
};
