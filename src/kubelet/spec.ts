// Pod spec to CRI configs: the sandbox (metadata, hostname, DNS, ports,
// namespaces, cgroup parent, log directory) and each container (command,
// args, env with $(VAR) expansion and field references, working dir,
// resources), with the io.kubernetes.* labels the upstream kubelet sets.
import { milliValue, parseQuantity, unitValue } from '../machinery/quantity.ts';
import { containerSecurityContext, sandboxSecurityContext } from './security.ts';
import { sandboxHostname } from './hosts.ts';
import { podDNSConfig } from './dns.ts';
import { CPU_PERIOD_US, milliCPUToQuota, milliCPUToShares, oomScoreAdjust, podCgroupPath, qosClass } from './qos.ts';

export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';

export interface SandboxOptions {
  logRoot: string;
  cgroupRoot: string;
  clusterDNS?: string[];
  clusterDomain: string;
  /** The node's resolver file (default /etc/resolv.conf). */
  resolvConf?: string;
  /** Where Localhost seccomp profiles live: <kubelet root>/seccomp, as upstream. */
  seccompRoot?: string;
}

export function podLogDir(logRoot: string, pod: any): string {
  return `${logRoot}/${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`;
}

/** The pod's cgroup parent: under its QoS tier, as upstream's cgroupfs driver lays it out. */
export function podCgroup(cgroupRoot: string, pod: any): string {
  return podCgroupPath(cgroupRoot, pod.metadata.uid, qosClass(pod));
}

export function sandboxConfig(pod: any, attempt: number, o: SandboxOptions): any {
  const m = pod.metadata;
  const ports = (pod.spec.containers ?? []).flatMap((c: any) => c.ports ?? []).filter((p: any) => p.hostPort)
    .map((p: any) => ({ protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP ?? '' }));
  return {
    metadata: { name: m.name, uid: m.uid, namespace: m.namespace, attempt },
    hostname: sandboxHostname(pod, o.clusterDomain),
    logDirectory: podLogDir(o.logRoot, pod),
    dnsConfig: podDNSConfig(pod, o),
    portMappings: ports,
    labels: { ...(m.labels ?? {}), [LABEL_POD_NAME]: m.name, [LABEL_POD_NAMESPACE]: m.namespace, [LABEL_POD_UID]: m.uid },
    annotations: { ...(m.annotations ?? {}), 'kubernetes.io/config.source': 'api' },
    linux: {
      cgroupParent: podCgroup(o.cgroupRoot, pod),
      securityContext: sandboxSecurityContext(pod, o.seccompRoot),
    },
  };
}

/** Values of env fieldRefs: the downward API subset a pod can know before its containers run. */
export function fieldRef(pod: any, path: string, podIP: string, hostIP: string): string {
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return pod.metadata[label[1]]?.[label[2]] ?? '';
  const map: Record<string, string> = {
    'metadata.name': pod.metadata.name, 'metadata.namespace': pod.metadata.namespace, 'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec.nodeName ?? '', 'spec.serviceAccountName': pod.spec.serviceAccountName ?? '',
    'status.podIP': podIP, 'status.podIPs': podIP, 'status.hostIP': hostIP, 'status.hostIPs': hostIP,
  };
  return map[path] ?? '';
}

/** Upstream's $(VAR) expansion: $$ escapes, unknown references stay as written. */
export function expand(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name) => {
    if (whole === '$$') return '$';
    return vars.has(name) ? vars.get(name)! : whole;
  });
}

export function containerEnv(pod: any, c: any, podIP: string, hostIP: string): { key: string; value: string }[] {
  const vars = new Map<string, string>();
  for (const e of c.env ?? []) {
    let v = '';
    if (e.value !== undefined) v = expand(e.value, vars);
    else if (e.valueFrom?.fieldRef) v = fieldRef(pod, e.valueFrom.fieldRef.fieldPath, podIP, hostIP);
    vars.set(e.name, v);
  }
  return [...vars].map(([key, value]) => ({ key, value }));
}

/** requests and limits as CRI LinuxContainerResources (upstream's generateLinuxContainerResources). */
export function resources(c: any): any {
  const r = c.resources ?? {};
  // A limit without a request means request = limit (the API server defaults it so, too).
  const cpuReq = r.requests?.cpu ?? r.limits?.cpu;
  const out: any = { cpuShares: milliCPUToShares(cpuReq ? milliValue(parseQuantity(cpuReq)) : 0) };
  if (r.limits?.cpu) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = milliCPUToQuota(milliValue(parseQuantity(r.limits.cpu)));
  }
  if (r.limits?.memory) out.memoryLimitInBytes = unitValue(parseQuantity(r.limits.memory));
  return out;
}

/** The container's CRI config; `extra` carries the environment and mounts the kubelet resolved (env.ts, volumes/). */
export function containerConfig(pod: any, c: any, attempt: number, imageRef: string, podIP: string, hostIP: string,
  extra: { envs?: { key: string; value: string }[]; mounts?: { containerPath: string; hostPath: string; readonly: boolean }[]; memoryCapacity?: number; seccompRoot?: string } = {}): any {
  const envs = extra.envs ?? containerEnv(pod, c, podIP, hostIP);
  const vars = new Map(envs.map((e) => [e.key, e.value]));
  const m = pod.metadata;
  return {
    metadata: { name: c.name, attempt },
    image: { image: imageRef, userSpecifiedImage: c.image },
    command: (c.command ?? []).map((x: string) => expand(x, vars)),
    args: (c.args ?? []).map((x: string) => expand(x, vars)),
    workingDir: c.workingDir ?? '',
    envs,
    mounts: extra.mounts ?? [],
    labels: { [LABEL_CONTAINER_NAME]: c.name, [LABEL_POD_NAME]: m.name, [LABEL_POD_NAMESPACE]: m.namespace, [LABEL_POD_UID]: m.uid },
    annotations: {
      'io.kubernetes.container.restartCount': String(attempt),
      'io.kubernetes.container.terminationMessagePath': c.terminationMessagePath ?? '/dev/termination-log',
      'io.kubernetes.pod.terminationGracePeriod': String(pod.spec.terminationGracePeriodSeconds ?? 30),
    },
    logPath: `${c.name}/${attempt}.log`,
    stdin: !!c.stdin, stdinOnce: !!c.stdinOnce, tty: !!c.tty,
    linux: {
      resources: { ...resources(c), ...(extra.memoryCapacity ? { oomScoreAdj: oomScoreAdjust(pod, c, extra.memoryCapacity) } : {}) },
      securityContext: containerSecurityContext(pod, c, extra.seccompRoot),
    },
  };
}
