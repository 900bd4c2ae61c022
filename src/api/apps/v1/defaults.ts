// Upstream's defaulting for apps/v1 (pkg/apis/apps/v1/defaults.go).
import { defaultPodTemplate, defaultPVCSpec } from '../../core/v1/pod-defaults.ts';

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function specOf(obj: Obj): Obj {
  if (!isObj(obj.spec)) obj.spec = {};
  return obj.spec;
}

function strategyOf(spec: Obj, field: string): Obj {
  if (!isObj(spec[field])) spec[field] = {};
  return spec[field];
}

export function defaultDeployment(d: Obj): void {
  const spec = specOf(d);
  spec.replicas ??= 1;
  const strategy = strategyOf(spec, 'strategy');
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    strategy.rollingUpdate.maxUnavailable ??= '25%';
    strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template ??= {});
}

export function defaultDaemonSet(ds: Obj): void {
  const spec = specOf(ds);
  const strategy = strategyOf(spec, 'updateStrategy');
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    strategy.rollingUpdate.maxUnavailable ??= 1;
    strategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template ??= {});
}

export function defaultStatefulSet(sts: Obj): void {
  const spec = specOf(sts);
  spec.podManagementPolicy ||= 'OrderedReady';
  const strategy = strategyOf(spec, 'updateStrategy');
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    if (!isObj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
  }
  if (strategy.type === 'RollingUpdate' && isObj(strategy.rollingUpdate)) strategy.rollingUpdate.partition ??= 0;
  if (!isObj(spec.persistentVolumeClaimRetentionPolicy)) spec.persistentVolumeClaimRetentionPolicy = {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template ??= {});
  for (const pvc of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    if (!isObj(pvc)) continue;
    defaultPVCSpec(pvc.spec ??= {});
    if (!isObj(pvc.status)) pvc.status = {};
    pvc.status.phase ||= 'Pending';
  }
}

export function defaultReplicaSet(rs: Obj): void {
  const spec = specOf(rs);
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template ??= {});
}
