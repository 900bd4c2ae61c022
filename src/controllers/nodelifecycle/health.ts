// How the node lifecycle controller judges a node's health, as upstream's
// tryUpdateNodeHealth: it remembers, per node, when it last saw a sign of
// life (a new Ready heartbeat or a renewed Lease) by its own clock; a node
// silent for longer than its grace period gets Ready, MemoryPressure,
// DiskPressure and PIDPressure set to Unknown.

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

interface Health {
  ready?: NodeCondition;
  probeMs: number;
  readyTransitionMs: number;
  leaseRenewMs?: number;
}

export interface HealthConfig {
  gracePeriodMs: number;
  startupGracePeriodMs: number;
}

export interface HealthResult {
  gracePeriodMs: number;
  /** The Ready condition as the node carried it before this pass (a fake Unknown one if it had none). */
  observed: NodeCondition;
  /** The Ready condition after this pass; undefined when the node has none. */
  current: NodeCondition | undefined;
  /** The full status.conditions to write, when the node has to be marked Unknown. */
  conditions?: NodeCondition[];
}

const CHECKED = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export function seconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function ready(node: any): NodeCondition | undefined {
  return (node?.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
}

export class NodeHealthTracker {
  private readonly map = new Map<string, Health>();
  private readonly cfg: HealthConfig;

  constructor(cfg: HealthConfig) {
    this.cfg = cfg;
  }

  forget(name: string): void {
    this.map.delete(name);
  }

  readyStatus(name: string): string | undefined {
    return this.map.get(name)?.ready?.status;
  }

  /** Exiting full disruption: every node gets a fresh grace period. */
  resetProbes(nowMs: number): void {
    for (const h of this.map.values()) {
      h.probeMs = nowMs;
      h.readyTransitionMs = nowMs;
    }
  }

  /** One pass over one node; `lease` is its Lease in kube-node-lease, if any. */
  check(node: any, lease: any | undefined, nowMs: number): HealthResult {
    const name = node.metadata.name;
    const currentReady = ready(node);
    const created = Date.parse(node.metadata.creationTimestamp ?? '') || nowMs;
    let h = this.map.get(name);
    let observed: NodeCondition;
    let grace: number;
    if (!currentReady) {
      const t = seconds(created);
      observed = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: t, lastTransitionTime: t };
      grace = this.cfg.startupGracePeriodMs;
      h = h ? { ...h, ready: undefined } : { probeMs: created, readyTransitionMs: created };
    } else {
      observed = { ...currentReady };
      grace = this.cfg.gracePeriodMs;
      if (!h || !h.ready) {
        h = { ready: { ...currentReady }, probeMs: nowMs, readyTransitionMs: nowMs, leaseRenewMs: h?.leaseRenewMs };
      } else if (h.ready.lastHeartbeatTime !== currentReady.lastHeartbeatTime) {
        const transitioned = h.ready.lastTransitionTime !== currentReady.lastTransitionTime;
        h = { ready: { ...currentReady }, probeMs: nowMs, readyTransitionMs: transitioned ? nowMs : h.readyTransitionMs, leaseRenewMs: h.leaseRenewMs };
      }
    }
    const renew = Date.parse(lease?.spec?.renewTime ?? '');
    if (Number.isFinite(renew) && (h.leaseRenewMs === undefined || h.leaseRenewMs < renew)) {
      h.leaseRenewMs = renew;
      h.probeMs = nowMs;
    }
    this.map.set(name, h);
    if (nowMs <= h.probeMs + grace) return { gracePeriodMs: grace, observed, current: currentReady };

    const now = seconds(nowMs);
    const conditions: NodeCondition[] = (node.status?.conditions ?? []).map((c: NodeCondition) => ({ ...c }));
    for (const type of CHECKED) {
      const c = conditions.find((x) => x.type === type);
      if (!c) {
        conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: seconds(created), lastTransitionTime: now });
      } else if (c.status !== 'Unknown') {
        Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now });
      }
    }
    const current = conditions.find((c) => c.type === 'Ready')!;
    const changed = current.status !== observed.status || current.reason !== observed.reason || current.lastTransitionTime !== observed.lastTransitionTime;
    if (!changed) return { gracePeriodMs: grace, observed, current: currentReady };
    return { gracePeriodMs: grace, observed, current, conditions };
  }

  /** Records the status the controller wrote, so that its own write is not mistaken for a heartbeat. */
  written(name: string, conditions: NodeCondition[], nowMs: number): void {
    const h = this.map.get(name);
    const r = conditions.find((c) => c.type === 'Ready');
    this.map.set(name, { ready: r ? { ...r } : undefined, probeMs: h?.probeMs ?? nowMs, readyTransitionMs: nowMs, leaseRenewMs: h?.leaseRenewMs });
  }
}
