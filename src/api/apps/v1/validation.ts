// Validation of the apps/v1 workloads (upstream pkg/apis/apps/validation),
// for the common mistakes, with upstream's paths and messages.
import type { FieldError } from '../../core/v1/errors.ts';
import { invalid, forbidden, notSupported, immutable, nonNegative, isObj, deepEqual } from '../../core/v1/checks.ts';
import { validatePodTemplateSpec } from '../../core/v1/pod-validation.ts';
import { validateSelectorAndTemplate } from '../../core/v1/selector.ts';
import { validatePVCSpec } from '../../core/v1/validation.ts';

const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** IntOrString validation for maxSurge/maxUnavailable; returns the value as a number, or a percentage. */
function intOrPercent(v: unknown, path: string, errs: FieldError[], maxPercent: boolean): { n: number; percent: boolean } | undefined {
  if (v == null) return undefined;
  if (typeof v === 'number') {
    errs.push(...nonNegative(path, v));
    return { n: v, percent: false };
  }
  const s = String(v);
  if (!/^[0-9]+%$/.test(s)) {
    errs.push(invalid(path, s, PERCENT_MSG));
    return undefined;
  }
  const n = Number(s.slice(0, -1));
  if (maxPercent && n > 100) errs.push(invalid(path, s, 'must not be greater than 100%'));
  return { n, percent: true };
}

function validateRollingUpdate(ru: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(ru)) return errs;
  const unavailable = intOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`, errs, true);
  const surge = intOrPercent(ru.maxSurge, `${path}.maxSurge`, errs, false);
  if (unavailable?.n === 0 && surge?.n === 0) {
    errs.push(invalid(`${path}.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  return errs;
}

/** The pod template of a long-running workload: validated, restartPolicy Always, no deadline. */
function validateTemplate(spec: any, kind: string): FieldError[] {
  const errs = validateSelectorAndTemplate(spec, kind);
  errs.push(...validatePodTemplateSpec(spec?.template, 'spec.template'));
  const rp = spec?.template?.spec?.restartPolicy;
  if (rp && rp !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (spec?.template?.spec?.activeDeadlineSeconds != null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

function spec(obj: any): any {
  return isObj(obj?.spec) ? obj.spec : {};
}

export function validateDeployment(d: any): FieldError[] {
  const s = spec(d);
  const errs = [...nonNegative('spec.replicas', s.replicas), ...validateTemplate(s, 'deployment')];
  const st = isObj(s.strategy) ? s.strategy : {};
  const types = ['Recreate', 'RollingUpdate'];
  if (st.type && !types.includes(st.type)) errs.push(notSupported('spec.strategy.type', st.type, types));
  if (st.type === 'Recreate' && st.rollingUpdate != null) {
    errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (st.type === 'RollingUpdate') errs.push(...validateRollingUpdate(st.rollingUpdate, 'spec.strategy.rollingUpdate'));
  errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
  if (typeof s.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', s.progressDeadlineSeconds));
    if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function selectorImmutable(obj: any, old: any): FieldError[] {
  return deepEqual(spec(obj).selector ?? null, spec(old).selector ?? null)
    ? [] : [immutable('spec.selector', spec(obj).selector)];
}

export function validateDeploymentUpdate(d: any, old: any): FieldError[] {
  return [...validateDeployment(d), ...selectorImmutable(d, old)];
}

export function validateReplicaSet(rs: any): FieldError[] {
  const s = spec(rs);
  return [...nonNegative('spec.replicas', s.replicas), ...nonNegative('spec.minReadySeconds', s.minReadySeconds), ...validateTemplate(s, 'replicaset')];
}

export function validateReplicaSetUpdate(rs: any, old: any): FieldError[] {
  return [...validateReplicaSet(rs), ...selectorImmutable(rs, old)];
}

export function validateDaemonSet(ds: any): FieldError[] {
  const s = spec(ds);
  const errs = validateTemplate(s, 'daemonset');
  const st = isObj(s.updateStrategy) ? s.updateStrategy : {};
  const types = ['OnDelete', 'RollingUpdate'];
  if (st.type && !types.includes(st.type)) errs.push(notSupported('spec.updateStrategy.type', st.type, types));
  if (st.type === 'RollingUpdate') errs.push(...validateRollingUpdate(st.rollingUpdate, 'spec.updateStrategy.rollingUpdate'));
  errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
  return errs;
}

export function validateDaemonSetUpdate(ds: any, old: any): FieldError[] {
  return [...validateDaemonSet(ds), ...selectorImmutable(ds, old)];
}

export function validateStatefulSet(sts: any): FieldError[] {
  const s = spec(sts);
  const errs = [...nonNegative('spec.replicas', s.replicas), ...validateTemplate(s, 'statefulset')];
  const policies = ['OrderedReady', 'Parallel'];
  if (s.podManagementPolicy && !policies.includes(s.podManagementPolicy)) {
    errs.push(notSupported('spec.podManagementPolicy', s.podManagementPolicy, policies));
  }
  const st = isObj(s.updateStrategy) ? s.updateStrategy : {};
  const types = ['OnDelete', 'RollingUpdate'];
  if (st.type && !types.includes(st.type)) errs.push(notSupported('spec.updateStrategy.type', st.type, types));
  if (st.type === 'OnDelete' && st.rollingUpdate != null) {
    errs.push(invalid('spec.updateStrategy.rollingUpdate', st.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  }
  if (isObj(st.rollingUpdate)) errs.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', st.rollingUpdate.partition));
  errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
  (Array.isArray(s.volumeClaimTemplates) ? s.volumeClaimTemplates : []).forEach((t: any, i: number) => {
    errs.push(...validatePVCSpec(t?.spec, `spec.volumeClaimTemplates[${i}].spec`));
  });
  return errs;
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function validateStatefulSetUpdate(sts: any, old: any): FieldError[] {
  const errs = validateStatefulSet(sts);
  const rest = (o: any) => {
    const copy: Record<string, unknown> = { ...spec(o) };
    for (const k of STS_MUTABLE) delete copy[k];
    return copy;
  };
  if (!deepEqual(rest(sts), rest(old))) {
    errs.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', " +
      "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  return errs;
}

export function validateControllerRevisionUpdate(cr: any, old: any): FieldError[] {
  return deepEqual(cr?.data ?? null, old?.data ?? null) ? [] : [immutable('data', cr?.data)];
}
