// VolumeBinding (the basic cases): bound claims pin the pod to nodes their
// PersistentVolume's node affinity allows; unbound WaitForFirstConsumer
// claims need an available matching PV on the node, or a provisioner (the
// chosen node is then recorded on the claim for it). As upstream, PreBind
// then waits (up to the bind timeout) until the PV controller or the
// provisioner has bound every such claim, so the kubelet never sees an
// unbound one.
import type { StateData } from '../../framework/cycle-state.ts';
import type { Handle, Plugin } from '../../framework/types.ts';
import { Status, Code, skip, unresolvable, unschedulable } from '../../framework/status.ts';
import { matchesNodeSelectorTerms } from '../../framework/selectors.ts';
import { value } from '../../framework/quantity.ts';

export const NAME = 'VolumeBinding';
export const ERR_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_PV_NOT_FOUND = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** Upstream's --bind-timeout-seconds default. */
export const BIND_TIMEOUT_MS = 600_000;
const POLL_MS = 100;

/** Whether the claim is fully bound, as upstream's checkBindings sees it. */
function claimBound(pvc: any): boolean {
  return !!pvc?.spec?.volumeName && pvc.metadata?.annotations?.[BIND_COMPLETED] !== undefined;
}
const KEY = `PreFilter${NAME}`;

class VolState implements StateData {
  bound: any[] = []; // PVs of bound claims
  missingPV = false;
  delayed: { pvc: any; sc: any }[] = [];
  /** node → PV chosen per delayed claim (static binding), filled by Filter. */
  chosen = new Map<string, (any | null)[]>();
  clone(): VolState {
    return this;
  }
}

function pvFitsNode(pv: any, node: any): boolean {
  const req = pv.spec?.nodeAffinity?.required;
  return !req || matchesNodeSelectorTerms(req.nodeSelectorTerms, node);
}

function pvMatchesClaim(pv: any, pvc: any, className: string): boolean {
  if (pv.spec?.claimRef || pv.status?.phase !== 'Available' && pv.status?.phase !== undefined) return false;
  if ((pv.spec?.storageClassName ?? '') !== className) return false;
  const want = value(pvc.spec?.resources?.requests?.storage ?? 0);
  if (value(pv.spec?.capacity?.storage ?? 0) < want) return false;
  const modes: string[] = pv.spec?.accessModes ?? [];
  return (pvc.spec?.accessModes ?? []).every((m: string) => modes.includes(m));
}

export function volumeBinding(args: unknown, handle: Handle): Plugin {
  const timeoutMs = (args as { bindTimeoutMs?: number } | undefined)?.bindTimeoutMs ?? BIND_TIMEOUT_MS;
  const l = handle.listers;
  return {
    name: NAME,
    events: () => [
      { resource: 'PersistentVolumeClaim', actions: ['Add', 'Update'] }, { resource: 'PersistentVolume', actions: ['Add', 'Update'] },
      { resource: 'StorageClass', actions: ['Add', 'Update'] }, { resource: 'Node', actions: ['Add', 'Update'] },
    ],
    preFilter(state, pod) {
      const claims = (pod.pod.spec?.volumes ?? []).filter((v: any) => v.persistentVolumeClaim);
      if (claims.length === 0) return { status: skip() };
      const ns = pod.pod.metadata.namespace ?? 'default';
      const s = new VolState();
      for (const v of claims) {
        const name = v.persistentVolumeClaim.claimName;
        const pvc = l.get('persistentvolumeclaims', ns, name);
        if (!pvc) return { status: unresolvable(`persistentvolumeclaim "${name}" not found`) };
        if (pvc.metadata.deletionTimestamp) return { status: unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
        if (pvc.spec?.volumeName) {
          const pv = l.get('persistentvolumes', '', pvc.spec.volumeName);
          if (!pv) s.missingPV = true;
          else s.bound.push(pv);
          continue;
        }
        const sc = l.get('storageclasses', '', pvc.spec?.storageClassName ?? '');
        if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') return { status: unresolvable(ERR_UNBOUND_IMMEDIATE) };
        s.delayed.push({ pvc, sc });
      }
      state.write(KEY, s);
      return {};
    },
    filter(state, _pod, node) {
      const s = state.read<VolState>(KEY);
      if (!s) return null;
      if (s.missingPV) return unresolvable(ERR_PV_NOT_FOUND);
      for (const pv of s.bound) if (!pvFitsNode(pv, node.node)) return unresolvable(ERR_NODE_CONFLICT);
      const taken = new Set<string>();
      const chosen: (any | null)[] = [];
      for (const { pvc, sc } of s.delayed) {
        const pv = l.list('persistentvolumes').find((p) => !taken.has(p.metadata.name) && pvMatchesClaim(p, pvc, sc.metadata.name) && pvFitsNode(p, node.node));
        if (pv) {
          taken.add(pv.metadata.name);
          chosen.push(pv);
          continue;
        }
        const provisionable = sc.provisioner && sc.provisioner !== 'kubernetes.io/no-provisioner' &&
          (!sc.allowedTopologies?.length || sc.allowedTopologies.some((t: any) => (t.matchLabelExpressions ?? [])
            .every((e: any) => (e.values ?? []).includes(node.node.metadata?.labels?.[e.key]))));
        if (!provisionable) return unschedulable(ERR_BIND_CONFLICT);
        chosen.push(null);
      }
      s.chosen.set(node.name, chosen);
      return null;
    },
    async preBind(state, pod, nodeName) {
      const s = state.read<VolState>(KEY);
      if (!s || s.delayed.length === 0 || !handle.api) return null;
      const chosen = s.chosen.get(nodeName) ?? [];
      try {
        for (let i = 0; i < s.delayed.length; i++) {
          const { pvc } = s.delayed[i];
          const pv = chosen[i];
          if (pv) {
            await handle.api.patch('persistentvolumes', '', pv.metadata.name, {
              spec: { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid } },
            });
          } else {
            await handle.api.patch('persistentvolumeclaims', pvc.metadata.namespace, pvc.metadata.name, { metadata: { annotations: { [SELECTED_NODE]: nodeName } } });
          }
        }
      } catch (err) {
        return new Status(Code.Error, `binding volumes: ${err instanceof Error ? err.message : String(err)}`);
      }
      void pod;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const pending = s.delayed.filter(({ pvc }) => !claimBound(l.get('persistentvolumeclaims', pvc.metadata.namespace, pvc.metadata.name)));
        if (pending.length === 0) return null;
        if (Date.now() >= deadline) {
          return new Status(Code.Error, `binding volumes: timed out waiting for the condition: claims ${pending.map(({ pvc }) => `${pvc.metadata.namespace}/${pvc.metadata.name}`).join(', ')} are not bound`);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    },
  };
}
