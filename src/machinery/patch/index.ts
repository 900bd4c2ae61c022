// The one entry point the apiserver uses: apply a PATCH body of a given
// content type to an object of a given kind.
import { schemaFor } from '../../api/openapi/definitions.ts';
import type { GroupVersionKind } from '../../api/openapi/definitions.ts';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyStrategicPatch } from './strategic.ts';
import { PatchError } from './errors.ts';

export { PatchError } from './errors.ts';
export { applyJsonPatch } from './json-patch.ts';
export { applyMergePatch, createMergePatch } from './merge-patch.ts';
export { applyStrategicPatch } from './strategic.ts';

export function applyPatch(contentType: string, original: unknown, patch: unknown, gvk: GroupVersionKind): unknown {
  switch (contentType) {
    case 'application/json-patch+json':
      return applyJsonPatch(original, patch);
    case 'application/merge-patch+json':
      return applyMergePatch(original, patch);
    case 'application/strategic-merge-patch+json': {
      const schema = schemaFor(gvk);
      if (!schema) throw new PatchError(`strategic merge patch is not supported for ${gvk.kind}.${gvk.version}.${gvk.group}: use a merge or JSON patch`, 'unsupported');
      return applyStrategicPatch(original, patch, schema);
    }
    default:
      throw new PatchError(`unsupported patch type ${contentType}`, 'unsupported');
  }
}
