// The pod's and container's securityContext as CRI Linux security contexts
// (upstream's determineEffectiveSecurityContext and
// determinePodSandboxSecurityContext), and the runAsNonRoot check the
// kubelet makes against the image's user before it creates a container.
import { formatPod } from './messages.ts';

/** Paths the runtime masks and mounts read-only in every unprivileged container (upstream's DefaultProcMount lists). */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The container's fields win over the pod's for the fields both may set. */
export function effectiveSecurityContext(pod: any, c: any): any {
  const p = pod.spec?.securityContext ?? {};
  const s = c.securityContext ?? {};
  const out: any = { ...s };
  for (const k of ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'seLinuxOptions', 'seccompProfile', 'appArmorProfile']) {
    if (out[k] === undefined && p[k] !== undefined) out[k] = p[k];
  }
  return out;
}

/** fsGroup first, then supplementalGroups, as upstream appends them. */
function supplementalGroups(pod: any): number[] {
  const p = pod.spec?.securityContext ?? {};
  return [...(p.fsGroup !== undefined ? [p.fsGroup] : []), ...(p.supplementalGroups ?? [])];
}

/**
 * The CRI SecurityProfile for a seccompProfile. None set means Unconfined, as
 * the upstream kubelet does without seccompDefault. A Localhost profile is a
 * file under the kubelet's seccomp directory and may not climb out of it.
 */
export function seccompProfile(profile: any, root: string | undefined): any {
  if (profile?.type === 'RuntimeDefault') return { profileType: 'RuntimeDefault' };
  if (profile?.type !== 'Localhost') return { profileType: 'Unconfined' };
  const rel = String(profile.localhostProfile ?? '');
  if (!root || !rel || rel.startsWith('/') || rel.split('/').includes('..')) {
    throw new Error(`invalid localhostProfile "${rel}": must be a descending path under the kubelet's seccomp directory`);
  }
  return { profileType: 'Localhost', localhostRef: `${root}/${rel}` };
}

const int64 = (v: number | undefined) => (v !== undefined && v !== null ? { runAsUser: { value: v } } : {});

function namespaceOptions(pod: any): any {
  const s = pod.spec ?? {};
  return { network: s.hostNetwork ? 'NODE' : 'POD', pid: s.hostPID ? 'NODE' : s.shareProcessNamespace ? 'POD' : 'CONTAINER', ipc: s.hostIPC ? 'NODE' : 'POD' };
}

export function allContainers(pod: any): any[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

/** LinuxSandboxSecurityContext: the sandbox is privileged when any container is (the runtime refuses privileged containers otherwise). */
export function sandboxSecurityContext(pod: any, seccompRoot?: string): any {
  const p = pod.spec?.securityContext ?? {};
  const groups = supplementalGroups(pod);
  return {
    namespaceOptions: namespaceOptions(pod),
    ...int64(p.runAsUser),
    ...(p.runAsGroup !== undefined ? { runAsGroup: { value: p.runAsGroup } } : {}),
    ...(groups.length ? { supplementalGroups: groups } : {}),
    privileged: allContainers(pod).some((c) => !!c.securityContext?.privileged),
    seccomp: seccompProfile(p.seccompProfile, seccompRoot),
  };
}

/** LinuxContainerSecurityContext for one container. */
export function containerSecurityContext(pod: any, c: any, seccompRoot?: string): any {
  const sc = effectiveSecurityContext(pod, c);
  const privileged = !!sc.privileged;
  const groups = supplementalGroups(pod);
  const caps = sc.capabilities;
  return {
    privileged,
    namespaceOptions: namespaceOptions(pod),
    ...int64(sc.runAsUser),
    ...(sc.runAsGroup !== undefined ? { runAsGroup: { value: sc.runAsGroup } } : {}),
    readonlyRootfs: !!sc.readOnlyRootFilesystem,
    ...(groups.length ? { supplementalGroups: groups } : {}),
    ...(caps ? { capabilities: { addCapabilities: caps.add ?? [], dropCapabilities: caps.drop ?? [] } } : {}),
    // Only an explicit allowPrivilegeEscalation: false sets no_new_privs.
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    // Privileged containers and procMount Unmasked see /proc and /sys as they are.
    maskedPaths: privileged || sc.procMount === 'Unmasked' ? [] : DEFAULT_MASKED_PATHS,
    readonlyPaths: privileged || sc.procMount === 'Unmasked' ? [] : DEFAULT_READONLY_PATHS,
    // The runtime leaves privileged containers unconfined whatever is asked.
    seccomp: seccompProfile(sc.seccompProfile, seccompRoot),
  };
}

/**
 * Upstream's verifyRunAsNonRoot: with runAsNonRoot, the container must not
 * run as uid 0, whether asked for in runAsUser or taken from the image
 * (an image without a user runs as root). Returns the error message, or
 * undefined when the container may run.
 */
export function verifyRunAsNonRoot(pod: any, c: any, image: { uid?: number; username?: string }): string | undefined {
  const sc = effectiveSecurityContext(pod, c);
  if (sc.runAsNonRoot !== true) return undefined;
  const where = `(pod: "${formatPod(pod)}", container: ${c.name})`;
  if (sc.runAsUser !== undefined && sc.runAsUser !== null) {
    return Number(sc.runAsUser) === 0 ? `container's runAsUser breaks non-root policy ${where}` : undefined;
  }
  if (image.uid !== undefined) return image.uid === 0 ? `container has runAsNonRoot and image will run as root ${where}` : undefined;
  if (image.username) return `container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root ${where}`;
  return `container has runAsNonRoot and image will run as root ${where}`;
}

/** The image's user as CRI ImageStatus reports it (uid when numeric, else username; neither means root). */
export function imageUser(image: { uid?: { value: string | number } | null; username?: string } | undefined): { uid?: number; username?: string } {
  if (image?.uid) return { uid: Number(image.uid.value) };
  if (image?.username) return { username: image.username };
  return { uid: 0 };
}
