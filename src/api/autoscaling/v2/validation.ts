// HorizontalPodAutoscaler validation (shared by v1 and v2) for the common mistakes.
import type { FieldError } from '../../core/v1/errors.ts';
import { required, invalid, isObj } from '../../core/v1/checks.ts';

export function validateHPA(hpa: any): FieldError[] {
  const s = isObj(hpa?.spec) ? hpa.spec : {};
  const errs: FieldError[] = [];
  if (typeof s.minReplicas === 'number' && s.minReplicas < 1) errs.push(invalid('spec.minReplicas', s.minReplicas, 'must be greater than or equal to 1'));
  if (typeof s.maxReplicas !== 'number' || s.maxReplicas < 1) errs.push(invalid('spec.maxReplicas', s.maxReplicas ?? 0, 'must be greater than or equal to 1'));
  if (typeof s.minReplicas === 'number' && typeof s.maxReplicas === 'number' && s.minReplicas > s.maxReplicas) {
    errs.push(invalid('spec.minReplicas', s.minReplicas, 'must be less than or equal to maxReplicas'));
  }
  const ref = isObj(s.scaleTargetRef) ? s.scaleTargetRef : {};
  if (!ref.kind) errs.push(required('spec.scaleTargetRef.kind'));
  if (!ref.name) errs.push(required('spec.scaleTargetRef.name'));
  return errs;
}
