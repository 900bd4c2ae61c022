// Simulated nodes (in the manner of kwok): each registers a Node with the
// capacity, addresses, nodeInfo and conditions a kubelet reports, renews its
// Lease in kube-node-lease every 10 s, and posts status on change and at
// least every 5 minutes. Heartbeats stop on request, to simulate failure.
import { RESOURCES } from '../api/resources.ts';
import type { Client } from '../client/rest.ts';
import { K8TS_VERSION, KUBE_MAJOR, KUBE_MINOR } from '../version.ts';

export const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;
export const LEASES = RESOURCES.find((r) => r.group === 'coordination.k8s.io' && r.resource === 'leases')!;

export const HEARTBEAT_ANNOTATION = 'hollow.k8ts.io/heartbeat';
/** Where the apiserver reaches this process's stats listener (the node's InternalIP is simulated and unreachable). */
export const KUBELET_ADDRESS_ANNOTATION = 'hollow.k8ts.io/kubelet-address';
const LEASE_RENEW_MS = 10_000;
const STATUS_REPORT_MS = 5 * 60_000;
const LEASE_DURATION_S = 40;

export interface HollowNodeSpec {
  name: string;
  index: number;
  cpu: string;
  memory: string;
  pods: number;
  labels: Record<string, string>;
  /** The shared stats listener: its reachable address and port. */
  kubelet?: { address: string; port: number };
}

export function micro(d: Date): string {
  return d.toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

export function seconds(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The node's IP and pod CIDR are derived from its index, so they never collide. */
export function nodeNet(index: number): { ip: string; podCIDR: string } {
  const hi = Math.floor(index / 250);
  const lo = (index % 250) + 1;
  return { ip: `10.200.${hi}.${lo}`, podCIDR: `10.${64 + Math.floor(index / 256)}.${index % 256}.0/24` };
}

function conditions(now: Date, ready: boolean): any[] {
  const t = seconds(now);
  const c = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: t, lastTransitionTime: t, reason, message });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready ? c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status') : c('Ready', 'False', 'KubeletNotReady', 'container runtime is down'),
  ];
}

export function nodeObject(spec: HollowNodeSpec, now: Date): any {
  const { ip, podCIDR } = nodeNet(spec.index);
  const capacity = { cpu: spec.cpu, memory: spec.memory, pods: String(spec.pods), 'ephemeral-storage': '100Gi' };
  return {
    metadata: {
      name: spec.name,
      labels: {
        'kubernetes.io/hostname': spec.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', type: 'hollow', ...spec.labels,
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        ...(spec.kubelet ? { [KUBELET_ADDRESS_ANNOTATION]: spec.kubelet.address } : {}),
      },
    },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: {
      capacity, allocatable: capacity,
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: spec.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: spec.kubelet?.port ?? 10250 } },
      nodeInfo: {
        machineID: spec.name, systemUUID: spec.name, bootID: spec.name, kernelVersion: '6.1.0-hollow', osImage: 'k8ts hollow node',
        containerRuntimeVersion: 'hollow://0.1.0', kubeletVersion: `v${KUBE_MAJOR}.${KUBE_MINOR}.0-k8ts${K8TS_VERSION}`,
        kubeProxyVersion: `v${KUBE_MAJOR}.${KUBE_MINOR}.0-k8ts${K8TS_VERSION}`, operatingSystem: 'linux', architecture: 'amd64',
      },
      conditions: conditions(now, true),
    },
  };
}

export class HollowNode {
  readonly spec: HollowNodeSpec;
  private readonly client: Client;
  private readonly now: () => Date;
  heartbeating = true;
  private lastStatus = 0;
  private leaseRV = '';
  private renewing: Promise<void> | null = null;
  private uid = '';

  constructor(spec: HollowNodeSpec, client: Client, now: () => Date) {
    this.spec = spec;
    this.client = client;
    this.now = now;
  }

  get name(): string {
    return this.spec.name;
  }

  async register(): Promise<void> {
    const obj = nodeObject(this.spec, this.now());
    try {
      const created = await this.client.create(NODES, '', obj);
      this.uid = created.metadata.uid;
      // Status is the kubelet's to write; registration only creates the object.
      await this.client.update(NODES, '', { ...created, status: obj.status }, { subresource: 'status' });
    } catch (err) {
      if ((err as any)?.status?.code !== 409) throw err;
      this.uid = (await this.client.get(NODES, '', this.spec.name)).metadata.uid;
      if (this.spec.kubelet) {
        // A restarted process listens elsewhere: the existing Node must say where.
        await this.client.patch(NODES, '', this.spec.name, { metadata: { annotations: { [KUBELET_ADDRESS_ANNOTATION]: this.spec.kubelet.address } } });
      }
      await this.postStatus(true);
    }
    this.lastStatus = Date.now();
  }

  /** Posts conditions and capacity (the periodic status report, or after a change). */
  async postStatus(force = false): Promise<void> {
    if (!this.heartbeating) return;
    if (!force && Date.now() - this.lastStatus < STATUS_REPORT_MS) return;
    const current = await this.client.get(NODES, '', this.spec.name);
    const fresh = nodeObject(this.spec, this.now()).status;
    await this.client.update(NODES, '', { ...current, status: { ...current.status, ...fresh } }, { subresource: 'status' });
    this.lastStatus = Date.now();
  }

  async renewLease(): Promise<void> {
    if (!this.heartbeating) return;
    // A renewal slower than the period (a busy API server) must not race the next one into a conflict.
    if (this.renewing) return this.renewing;
    this.renewing = this.renew().finally(() => { this.renewing = null; });
    return this.renewing;
  }

  private async renew(): Promise<void> {
    const now = micro(this.now());
    const lease = {
      metadata: { name: this.spec.name, namespace: 'kube-node-lease', resourceVersion: this.leaseRV || undefined },
      spec: { holderIdentity: this.spec.name, leaseDurationSeconds: LEASE_DURATION_S, renewTime: now },
    };
    try {
      if (!this.leaseRV) throw Object.assign(new Error('no lease yet'), { status: { code: 404 } });
      const updated = await this.client.update(LEASES, 'kube-node-lease', lease);
      this.leaseRV = updated.metadata.resourceVersion;
    } catch (err) {
      const code = (err as any)?.status?.code;
      if (code !== 404 && code !== 409) throw err;
      try {
        const existing = await this.client.get(LEASES, 'kube-node-lease', this.spec.name);
        const updated = await this.client.update(LEASES, 'kube-node-lease', { ...existing, spec: lease.spec });
        this.leaseRV = updated.metadata.resourceVersion;
      } catch (e2) {
        if ((e2 as any)?.status?.code !== 404) throw e2;
        const ownerReferences = this.uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.spec.name, uid: this.uid }] : undefined;
        const created = await this.client.create(LEASES, 'kube-node-lease', { metadata: { name: this.spec.name, ownerReferences }, spec: lease.spec });
        this.leaseRV = created.metadata.resourceVersion;
      }
    }
  }
}

export { LEASE_RENEW_MS, STATUS_REPORT_MS };
