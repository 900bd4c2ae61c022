// DefaultTolerationSeconds: a new pod that does not tolerate the not-ready
// and unreachable NoExecute taints gets tolerations for them with
// tolerationSeconds 300, so that a node failure evicts it after five
// minutes rather than at once (upstream's --default-*-toleration-seconds).
import type { AdmissionPlugin } from './index.ts';

export const DEFAULT_TOLERATION_SECONDS = 300;
const TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/** Whether a toleration already covers key:NoExecute (empty key + Exists covers every key). */
function covers(t: any, key: string): boolean {
  const keyOk = t.key === key || (!t.key && t.operator === 'Exists');
  const effectOk = !t.effect || t.effect === 'NoExecute';
  return keyOk && effectOk;
}

export function defaultTolerationSeconds(seconds = DEFAULT_TOLERATION_SECONDS): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    admit(a) {
      if (a.operation !== 'CREATE' || a.subresource !== '' || a.resource.group !== '' || a.resource.resource !== 'pods') return;
      const spec = a.object?.spec;
      if (!spec || typeof spec !== 'object') return;
      const tolerations: any[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      for (const key of TAINTS) {
        if (tolerations.some((t) => t && covers(t, key))) continue;
        tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
      }
      spec.tolerations = tolerations;
    },
  };
}
