// StorageClass validation: provisioner required; parameters and provisioner fixed after creation.
import type { FieldError } from '../../core/v1/errors.ts';
import { required, notSupported, forbidden, deepEqual } from '../../core/v1/checks.ts';

export function validateStorageClass(sc: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc?.provisioner) errs.push(required('provisioner'));
  const reclaim = ['Delete', 'Retain'];
  if (sc?.reclaimPolicy && !reclaim.includes(sc.reclaimPolicy)) errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, reclaim));
  const modes = ['Immediate', 'WaitForFirstConsumer'];
  if (sc?.volumeBindingMode && !modes.includes(sc.volumeBindingMode)) errs.push(notSupported('volumeBindingMode', sc.volumeBindingMode, modes));
  return errs;
}

export function validateStorageClassUpdate(sc: any, old: any): FieldError[] {
  const errs = validateStorageClass(sc);
  if (!deepEqual(sc?.parameters ?? {}, old?.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc?.provisioner !== old?.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if ((sc?.reclaimPolicy ?? '') !== (old?.reclaimPolicy ?? '')) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  return errs;
}
