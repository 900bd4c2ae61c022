// Leader election through a coordination.k8s.io Lease, as client-go's
// leaderelection: a candidate takes the Lease when it is free or expired,
// renews it every retry period, and stops leading (and says so) when it
// cannot renew before the renew deadline. Writes carry the Lease's
// resourceVersion, so two candidates never both win.
import { RESOURCES } from '../api/resources.ts';
import type { Client } from './rest.ts';

const LEASES = RESOURCES.find((r) => r.group === 'coordination.k8s.io' && r.resource === 'leases')!;

export interface LeaderElectionConfig {
  client: Client;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number; // 15 s
  renewDeadlineMs?: number; // 10 s
  retryPeriodMs?: number; // 2 s
  now?: () => Date;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

function micro(d: Date): string {
  return d.toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

export class LeaderElector {
  private readonly cfg: Required<Omit<LeaderElectionConfig, 'log'>> & Pick<LeaderElectionConfig, 'log'>;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private lastRenew = 0;

  constructor(cfg: LeaderElectionConfig) {
    this.cfg = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, now: () => new Date(), ...cfg };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops trying; a leader releases the Lease so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) {
      this.leading = false;
      await this.release().catch(() => undefined);
    }
  }

  /** When another holder's lease runs out before the next retry, try right then. */
  private expiresInMs: number | undefined;

  private schedule(): void {
    const wait = Math.min(this.cfg.retryPeriodMs, Math.max(0, (this.expiresInMs ?? Infinity) + 50));
    this.expiresInMs = undefined;
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), wait);
  }

  private async tick(): Promise<void> {
    try {
      const ok = await this.tryAcquireOrRenew();
      if (ok) {
        this.lastRenew = Date.now();
        if (!this.leading) {
          this.leading = true;
          this.cfg.log?.('became leader', { lease: `${this.cfg.namespace}/${this.cfg.name}`, identity: this.cfg.identity });
          this.cfg.onStartedLeading();
        }
      } else if (this.leading) this.lose('another candidate holds the lease');
    } catch (err) {
      if (this.leading && Date.now() - this.lastRenew > this.cfg.renewDeadlineMs) this.lose(`could not renew: ${(err as Error).message}`);
    }
    this.schedule();
  }

  private lose(why: string): void {
    this.leading = false;
    this.cfg.log?.('lost leadership', { lease: `${this.cfg.namespace}/${this.cfg.name}`, why });
    this.cfg.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.cfg;
    const now = this.cfg.now();
    const durationS = Math.round(this.cfg.leaseDurationMs / 1000);
    let lease: any;
    try {
      lease = await client.get(LEASES, namespace, name);
    } catch (err) {
      if ((err as any)?.status?.code !== 404) throw err;
      await client.create(LEASES, namespace, {
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: durationS, acquireTime: micro(now), renewTime: micro(now), leaseTransitions: 0 },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? durationS) * 1000 < now.getTime();
    if (holder !== '' && holder !== identity && !expired) {
      this.expiresInMs = renewed + (spec.leaseDurationSeconds ?? durationS) * 1000 - now.getTime();
      return false;
    }
    const taking = holder !== identity;
    const next = {
      ...lease,
      spec: {
        ...spec, holderIdentity: identity, leaseDurationSeconds: durationS, renewTime: micro(now),
        acquireTime: taking ? micro(now) : spec.acquireTime ?? micro(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (taking && holder !== '' ? 1 : 0),
      },
    };
    try {
      await client.update(LEASES, namespace, next);
      return true;
    } catch (err) {
      if ((err as any)?.status?.code === 409) return false;
      throw err;
    }
  }

  private async release(): Promise<void> {
    const lease = await this.cfg.client.get(LEASES, this.cfg.namespace, this.cfg.name);
    if (lease.spec?.holderIdentity !== this.cfg.identity) return;
    await this.cfg.client.update(LEASES, this.cfg.namespace, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
  }
}
