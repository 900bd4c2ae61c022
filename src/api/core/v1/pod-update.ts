// Pod updates: a running pod's spec is immutable except for a few fields,
// and upstream refuses everything else with one Forbidden error on `spec`.
import type { FieldError } from './errors.ts';
import { forbidden, isObj, list, deepEqual as equal } from './checks.ts';
import { validatePod } from './pod-validation.ts';
import { deepCopy } from '../../../machinery/clone.ts';

export const POD_UPDATE_MESSAGE = 'pod updates may not change fields other than `spec.containers[*].image`,' +
  '`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The new spec with the fields a pod update may change put back to their old values. */
function maskAllowed(spec: any, old: any): any {
  const s = deepCopy(spec);
  for (const field of ['containers', 'initContainers']) {
    const oldList = list(old[field]);
    list(s[field]).forEach((c: any, i: number) => {
      if (isObj(c) && isObj(oldList[i])) c.image = oldList[i].image;
    });
  }
  const oldDeadline = old.activeDeadlineSeconds;
  const newDeadline = s.activeDeadlineSeconds;
  // The deadline may be set, or lowered, but not removed or raised.
  if (newDeadline !== undefined && (oldDeadline === undefined || newDeadline <= oldDeadline)) s.activeDeadlineSeconds = oldDeadline;
  const oldTol = list(old.tolerations);
  const newTol = list(s.tolerations);
  if (oldTol.every((t) => newTol.some((n) => equal(n, t)))) s.tolerations = old.tolerations;
  if (typeof old.terminationGracePeriodSeconds === 'number' && old.terminationGracePeriodSeconds < 0 && s.terminationGracePeriodSeconds === 1) {
    s.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  }
  // Scheduling gates may only be removed.
  const oldGates = list(old.schedulingGates);
  if (list(s.schedulingGates).every((g) => oldGates.some((o) => equal(o, g)))) s.schedulingGates = old.schedulingGates;
  return s;
}

export function validatePodUpdate(pod: any, old: any): FieldError[] {
  const errs = validatePod(pod);
  const spec = isObj(pod?.spec) ? pod.spec : {};
  const oldSpec = isObj(old?.spec) ? old.spec : {};
  if (!equal(maskAllowed(spec, oldSpec), oldSpec)) errs.push(forbidden('spec', POD_UPDATE_MESSAGE));
  return errs;
}
