// DefaultBinder: POST pods/NAME/binding, which sets spec.nodeName.
import type { Handle, Plugin } from '../../framework/types.ts';
import { Status, Code } from '../../framework/status.ts';

export const NAME = 'DefaultBinder';

export function defaultBinder(_args: unknown, handle: Handle): Plugin {
  return {
    name: NAME,
    async bind(_state, pod, nodeName) {
      if (!handle.api) return new Status(Code.Error, 'no API to bind through');
      try {
        await handle.api.bind(pod.pod, nodeName);
        return null;
      } catch (err) {
        return new Status(Code.Error, err instanceof Error ? err.message : String(err));
      }
    },
  };
}
