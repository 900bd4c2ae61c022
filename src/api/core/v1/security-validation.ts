// The seccompProfile of a pod's and each container's securityContext, with
// upstream's paths and messages (validateSeccompProfileField): a known type,
// and a localhostProfile exactly when the type is Localhost, as a path that
// stays inside the kubelet's seccomp directory.
import type { FieldError } from './errors.ts';
import { invalid, isObj, list, notSupported, required } from './checks.ts';

const TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'] as const;

function localDescendingPath(p: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(invalid(field, p, 'must be a relative path'));
  if (p.split('/').includes('..')) errs.push(invalid(field, p, "must not contain '..'"));
  return errs;
}

export function validateSeccompProfile(sp: unknown, path: string): FieldError[] {
  if (!isObj(sp)) return [];
  const errs: FieldError[] = [];
  const type = sp.type ?? '';
  if (type === '') errs.push(required(`${path}.type`, 'type is required when seccompProfile is set'));
  else if (!(TYPES as readonly string[]).includes(type)) errs.push(notSupported(`${path}.type`, type, TYPES));
  const local = sp.localhostProfile;
  if (type === 'Localhost') {
    if (local === undefined || local === null) errs.push(required(`${path}.localhostProfile`, 'must be set when seccomp type is Localhost'));
    else errs.push(...localDescendingPath(String(local), `${path}.localhostProfile`));
  } else if (local !== undefined && local !== null) {
    errs.push(invalid(`${path}.localhostProfile`, sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

/** The pod's own seccompProfile and every container's (init, app and ephemeral). */
export function validateSeccompProfiles(spec: any, path: string): FieldError[] {
  if (!isObj(spec)) return [];
  const errs = validateSeccompProfile(spec.securityContext?.seccompProfile, `${path}.securityContext.seccompProfile`);
  for (const kind of ['initContainers', 'containers', 'ephemeralContainers']) {
    list(spec[kind]).forEach((c: any, i: number) => {
      if (isObj(c)) errs.push(...validateSeccompProfile(c.securityContext?.seccompProfile, `${path}.${kind}[${i}].securityContext.seccompProfile`));
    });
  }
  return errs;
}
