// EndpointSlice validation: the address type is required and fixed.
import type { FieldError } from '../../core/v1/errors.ts';
import { required, notSupported, immutable } from '../../core/v1/checks.ts';

const TYPES = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(es: any): FieldError[] {
  if (!es?.addressType) return [required('addressType')];
  return TYPES.includes(es.addressType) ? [] : [notSupported('addressType', es.addressType, TYPES)];
}

export function validateEndpointSliceUpdate(es: any, old: any): FieldError[] {
  const errs = validateEndpointSlice(es);
  if (es?.addressType !== old?.addressType) errs.push(immutable('addressType', es?.addressType));
  return errs;
}
