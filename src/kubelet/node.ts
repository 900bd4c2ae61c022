// The node's side of the kubelet: registers the Node with what the host
// really has (CPU, memory, disk, addresses, OS, the runtime's version),
// keeps its conditions current, and renews its Lease in kube-node-lease
// every 10 s, as upstream's node status and lease controllers do.
import { cpus, totalmem, hostname, networkInterfaces, release, arch } from 'node:os';
import { readFileSync, statfsSync } from 'node:fs';
import type { Client } from '../client/rest.ts';
import { NODES, LEASES, micro, seconds } from '../hollow/nodes.ts';
import { K8TS_VERSION, KUBE_MAJOR, KUBE_MINOR } from '../version.ts';

export const LEASE_RENEW_MS = 10_000;
export const LEASE_DURATION_S = 40;
export const STATUS_REPORT_MS = 5 * 60_000;

export interface HostFacts {
  cpu: string;
  memory: string;
  ephemeralStorage: string;
  internalIP: string;
  hostname: string;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  bootID: string;
  architecture: string;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** The first non-internal IPv4 address: the one other nodes reach us on. */
export function primaryIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function hostFacts(rootDir: string, nodeIP?: string): HostFacts {
  const osRelease = readOr('/etc/os-release', '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'Linux';
  let storage = '0';
  try {
    const s = statfsSync(rootDir);
    storage = `${Math.floor((s.blocks * s.bsize) / 1024)}Ki`;
  } catch {
    storage = '0';
  }
  return {
    cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, ephemeralStorage: storage,
    internalIP: nodeIP ?? primaryIPv4(), hostname: hostname(), kernelVersion: release(), osImage: pretty,
    machineID: readOr('/etc/machine-id', ''), bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
    architecture: arch() === 'x64' ? 'amd64' : arch(),
  };
}

export function kubeletVersion(): string {
  return `v${KUBE_MAJOR}.${KUBE_MINOR}.0-k8ts${K8TS_VERSION}`;
}

export interface NodeConditionInput {
  runtimeReady: boolean;
  runtimeMessage?: string;
}

export function nodeConditions(now: Date, input: NodeConditionInput, previous: any[] = []): any[] {
  const t = seconds(now);
  const c = (type: string, status: string, reason: string, message: string) => {
    const old = previous.find((p) => p.type === type);
    return { type, status, lastHeartbeatTime: t, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : t, reason, message };
  };
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    input.runtimeReady
      ? c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : c('Ready', 'False', 'KubeletNotReady', input.runtimeMessage ?? 'container runtime is down'),
  ];
}

export interface NodeSpecInput {
  name: string;
  podCIDR: string;
  maxPods: number;
  labels: Record<string, string>;
  /** Set when the Node is created, as upstream's --register-with-taints; never reconciled afterwards. */
  taints?: { key: string; value?: string; effect: string }[];
  host: HostFacts;
  runtimeVersion: string;
}

export function nodeStatus(n: NodeSpecInput, now: Date, cond: NodeConditionInput, previous: any[] = []): any {
  const capacity = { cpu: n.host.cpu, memory: n.host.memory, 'ephemeral-storage': n.host.ephemeralStorage, pods: String(n.maxPods) };
  return {
    capacity, allocatable: { ...capacity },
    addresses: [{ type: 'InternalIP', address: n.host.internalIP }, { type: 'Hostname', address: n.name }],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: n.host.machineID, systemUUID: n.host.machineID, bootID: n.host.bootID, kernelVersion: n.host.kernelVersion,
      osImage: n.host.osImage, containerRuntimeVersion: n.runtimeVersion, kubeletVersion: kubeletVersion(), kubeProxyVersion: kubeletVersion(),
      operatingSystem: 'linux', architecture: n.host.architecture,
    },
    conditions: nodeConditions(now, cond, previous),
  };
}

export function nodeObject(n: NodeSpecInput, now: Date, cond: NodeConditionInput): any {
  return {
    metadata: {
      name: n.name,
      labels: {
        'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': n.host.architecture,
        'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': n.host.architecture, ...n.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR], ...(n.taints?.length ? { taints: n.taints } : {}) },
    status: nodeStatus(n, now, cond),
  };
}

export class NodeAgent {
  private readonly client: Client;
  private readonly spec: NodeSpecInput;
  private readonly now: () => Date;
  private uid = '';
  private leaseRV = '';
  private lastStatusAt = 0;
  private lastReady: boolean | undefined;

  constructor(client: Client, spec: NodeSpecInput, now: () => Date = () => new Date()) {
    this.client = client;
    this.spec = spec;
    this.now = now;
  }

  /** Creates the Node, or takes over an existing one of the same name (a kubelet restart). */
  async register(cond: NodeConditionInput): Promise<void> {
    const obj = nodeObject(this.spec, this.now(), cond);
    try {
      const created = await this.client.create(NODES, '', obj);
      this.uid = created.metadata.uid;
      await this.client.update(NODES, '', { ...created, status: obj.status }, { subresource: 'status' });
    } catch (err) {
      if ((err as any)?.status?.code !== 409) throw err;
      const existing = await this.client.get(NODES, '', this.spec.name);
      this.uid = existing.metadata.uid;
      if (!existing.spec?.podCIDR) {
        await this.client.patch(NODES, '', this.spec.name, { spec: { podCIDR: this.spec.podCIDR, podCIDRs: [this.spec.podCIDR] } });
      }
      await this.postStatus(cond, true);
    }
    this.lastStatusAt = Date.now();
    this.lastReady = cond.runtimeReady;
  }

  /** Posts status when readiness changed, or every STATUS_REPORT_MS. */
  async postStatus(cond: NodeConditionInput, force = false): Promise<void> {
    if (!force && cond.runtimeReady === this.lastReady && Date.now() - this.lastStatusAt < STATUS_REPORT_MS) return;
    for (let attempt = 0; ; attempt++) {
      const current = await this.client.get(NODES, '', this.spec.name);
      const status = { ...current.status, ...nodeStatus(this.spec, this.now(), cond, current.status?.conditions ?? []) };
      try {
        await this.client.update(NODES, '', { ...current, status }, { subresource: 'status' });
        break;
      } catch (err) {
        if ((err as any)?.status?.code !== 409 || attempt >= 4) throw err;
      }
    }
    this.lastStatusAt = Date.now();
    this.lastReady = cond.runtimeReady;
  }

  async renewLease(): Promise<void> {
    const spec = { holderIdentity: this.spec.name, leaseDurationSeconds: LEASE_DURATION_S, renewTime: micro(this.now()) };
    if (this.leaseRV) {
      try {
        const updated = await this.client.update(LEASES, 'kube-node-lease', { metadata: { name: this.spec.name, namespace: 'kube-node-lease', resourceVersion: this.leaseRV }, spec });
        this.leaseRV = updated.metadata.resourceVersion;
        return;
      } catch (err) {
        const code = (err as any)?.status?.code;
        if (code !== 404 && code !== 409) throw err;
      }
    }
    try {
      const existing = await this.client.get(LEASES, 'kube-node-lease', this.spec.name);
      const updated = await this.client.update(LEASES, 'kube-node-lease', { ...existing, spec: { ...existing.spec, ...spec } });
      this.leaseRV = updated.metadata.resourceVersion;
    } catch (err) {
      if ((err as any)?.status?.code !== 404) throw err;
      const ownerReferences = this.uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.spec.name, uid: this.uid }] : undefined;
      const created = await this.client.create(LEASES, 'kube-node-lease', { metadata: { name: this.spec.name, ownerReferences }, spec });
      this.leaseRV = created.metadata.resourceVersion;
    }
  }
}
