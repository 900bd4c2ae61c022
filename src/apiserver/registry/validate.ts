// Runs metadata and kind validation and turns field errors into one
// 422 Invalid Status, with upstream's message and causes.
import type { ResourceInfo } from '../../api/resources.ts';
import { hooksFor } from '../../api/hooks.ts';
import { validateObjectMeta } from '../../api/hooks.ts';
import { newInvalid } from '../../machinery/errors.ts';

export function validateObject(info: ResourceInfo, obj: any, old: any | undefined): void {
  const hooks = hooksFor(info.group, info.version, info.kind);
  const errors = [...validateObjectMeta(obj.metadata ?? {}, info.namespaced, hooks.nameValidation ?? 'dns1123Subdomain')];
  if (errors.length === 0) {
    if (old === undefined) errors.push(...(hooks.validate?.(obj) ?? []));
    else errors.push(...(hooks.validateUpdate?.(obj, old) ?? hooks.validate?.(obj) ?? []));
  }
  if (errors.length > 0) {
    throw newInvalid({ group: info.group, kind: info.kind }, obj.metadata?.name ?? '', errors);
  }
}
