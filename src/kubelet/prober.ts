// Startup, readiness and liveness probes with upstream's semantics: each
// probe waits initialDelaySeconds after the container started, runs every
// periodSeconds with timeoutSeconds, and flips its result only after
// successThreshold successes or failureThreshold failures in a row.
// Readiness starts false and liveness true; while a startup probe has not
// succeeded, the other two do not run and the container is not started.
// Every failed run records an Unhealthy event; a liveness or startup
// failure that reaches its threshold asks the worker to kill the container.
import type { CriClient, CriContainerStatus } from './cri/client.ts';
import { runProbe } from './probe-handlers.ts';
import type { ProbeOutcome, ProbeResult } from './probe-handlers.ts';

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

interface ProbeState {
  containerId: string;
  lastAt: number;
  run: number;
  last?: ProbeResult;
  /** After a kill was asked for: no more runs for this container instance. */
  hold: boolean;
}

export interface ProbeKill {
  kind: 'liveness' | 'startup';
  /** The probe's own terminationGracePeriodSeconds, when it sets one. */
  gracePeriod?: number;
}

export type ProbeRunner = (probe: any, c: any, containerId: string, podIP: string) => Promise<ProbeOutcome>;

export interface ProberOptions {
  cri?: CriClient;
  /** Replaces the real handlers (tests). */
  run?: ProbeRunner;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  event?: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  now?: () => number;
}

const KIND_NAME: Record<ProbeKind, string> = { startup: 'Startup', readiness: 'Readiness', liveness: 'Liveness' };

function probeOf(c: any, kind: ProbeKind): any {
  return kind === 'startup' ? c.startupProbe : kind === 'readiness' ? c.readinessProbe : c.livenessProbe;
}

export class Prober {
  /** Published readiness per container name (false until the probe passes). */
  readonly readiness = new Map<string, boolean>();
  /** Published startup result per container name (true when there is no startup probe). */
  readonly started = new Map<string, boolean>();
  private readonly states = new Map<string, ProbeState>();
  private readonly run: ProbeRunner;
  private readonly opts: ProberOptions;

  constructor(opts: ProberOptions) {
    this.opts = opts;
    this.run = opts.run ?? ((probe, c, id, ip) => runProbe(opts.cri!, probe, c, id, ip));
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Runs the container's due probes; returns the kill a failed liveness or startup probe asks for. */
  async probe(pod: any, c: any, running: CriContainerStatus, podIP: string): Promise<ProbeKill | undefined> {
    const startedMs = Number(BigInt(running.startedAt || '0') / 1_000_000n);
    if (!c.startupProbe) this.started.set(c.name, true);
    for (const kind of ['startup', 'readiness', 'liveness'] as const) {
      const probe = probeOf(c, kind);
      if (!probe) continue;
      const key = `${kind}/${c.name}`;
      let st = this.states.get(key);
      if (!st || st.containerId !== running.id) {
        st = { containerId: running.id, lastAt: 0, run: 0, hold: false };
        this.states.set(key, st);
        if (kind === 'readiness') this.readiness.set(c.name, false);
        if (kind === 'startup') this.started.set(c.name, false);
      }
      const started = this.started.get(c.name) ?? true;
      if (st.hold || (kind === 'startup' ? started : !started)) continue;
      const now = this.now();
      if (now - startedMs < (probe.initialDelaySeconds ?? 0) * 1000) continue;
      if (st.lastAt && now - st.lastAt < (probe.periodSeconds ?? 10) * 1000) continue;
      st.lastAt = now;
      const { result, output } = await this.run(probe, c, running.id, podIP);
      if (result === 'failure') this.opts.event?.('Warning', 'Unhealthy', `${KIND_NAME[kind]} probe failed: ${output}`);
      st.run = st.last === result ? st.run + 1 : 1;
      st.last = result;
      if (result === 'failure' ? st.run < (probe.failureThreshold ?? 3) : st.run < (probe.successThreshold ?? 1)) continue;
      if (kind === 'readiness') this.readiness.set(c.name, result === 'success');
      else if (kind === 'startup' && result === 'success') this.started.set(c.name, true);
      else if (result === 'failure') {
        st.hold = true;
        this.opts.log?.(`${kind} probe failed`, { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: c.name, output });
        return { kind, ...(probe.terminationGracePeriodSeconds !== undefined ? { gracePeriod: probe.terminationGracePeriodSeconds } : {}) };
      }
    }
    return undefined;
  }

  /** The shortest period of any probe: how often the worker should look again. */
  static periodMs(pod: any): number | undefined {
    const periods = (pod.spec?.containers ?? []).flatMap((c: any) => [c.startupProbe, c.readinessProbe, c.livenessProbe])
      .filter(Boolean).map((p: any) => (p.periodSeconds ?? 10) * 1000);
    return periods.length ? Math.min(...periods) : undefined;
  }

  /** Drops what is known of a container (it stopped); readiness goes false until a new instance passes. */
  forget(name: string): void {
    if (this.readiness.has(name)) this.readiness.set(name, false);
    for (const k of [...this.states.keys()]) if (k.endsWith(`/${name}`)) this.states.delete(k);
  }
}
