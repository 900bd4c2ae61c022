// Readiness and liveness probes (exec through CRI ExecSync, httpGet and
// tcpSocket from the node to the pod IP) with upstream's timing fields:
// initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold and
// failureThreshold. Readiness starts out false when a probe is defined.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { CriClient, CriContainerStatus } from './cri/client.ts';

interface ProbeState {
  lastAt: number;
  successes: number;
  failures: number;
  containerId: string;
}

export type ProbeResult = 'success' | 'failure';

function resolvePort(port: number | string, c: any): number {
  if (typeof port === 'number') return port;
  const named = (c.ports ?? []).find((p: any) => p.name === port);
  return named ? named.containerPort : Number(port);
}

export async function runProbe(cri: CriClient, probe: any, c: any, containerId: string, podIP: string): Promise<ProbeResult> {
  const timeout = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    try {
      const r = await cri.execSync(containerId, probe.exec.command ?? [], probe.timeoutSeconds ?? 1);
      return r.exitCode === 0 ? 'success' : 'failure';
    } catch {
      return 'failure';
    }
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    return new Promise((done) => {
      const req = request({
        host: g.host || podIP, port: resolvePort(g.port, c), path: g.path ?? '/', method: 'GET', timeout,
        headers: Object.fromEntries((g.httpHeaders ?? []).map((h: any) => [h.name, h.value])),
      }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        done(code >= 200 && code < 400 ? 'success' : 'failure');
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done('failure'));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    return new Promise((done) => {
      const s = connect({ host: probe.tcpSocket.host || podIP, port: resolvePort(probe.tcpSocket.port, c), timeout });
      s.once('connect', () => { s.destroy(); done('success'); });
      s.once('timeout', () => { s.destroy(); done('failure'); });
      s.once('error', () => done('failure'));
    });
  }
  return 'success';
}

export class Prober {
  readonly readiness = new Map<string, boolean>();
  private readonly states = new Map<string, ProbeState>();
  private readonly livenessFailures = new Set<string>();
  private readonly cri: CriClient;
  private readonly log: (msg: string, fields?: Record<string, unknown>) => void;

  constructor(cri: CriClient, log: (msg: string, fields?: Record<string, unknown>) => void) {
    this.cri = cri;
    this.log = log;
  }

  /** Runs whichever probes of the container are due. */
  async probe(pod: any, c: any, running: CriContainerStatus, podIP: string): Promise<void> {
    const startedMs = Number(BigInt(running.startedAt || '0') / 1_000_000n);
    for (const [kind, probe] of [['readiness', c.readinessProbe], ['liveness', c.livenessProbe]] as const) {
      if (!probe) continue;
      const key = `${kind}/${c.name}`;
      let st = this.states.get(key);
      if (!st || st.containerId !== running.id) {
        st = { lastAt: 0, successes: 0, failures: 0, containerId: running.id };
        this.states.set(key, st);
        if (kind === 'readiness') this.readiness.set(c.name, false);
      }
      const now = Date.now();
      if (now - startedMs < (probe.initialDelaySeconds ?? 0) * 1000) continue;
      if (now - st.lastAt < (probe.periodSeconds ?? 10) * 1000) continue;
      st.lastAt = now;
      const result = await runProbe(this.cri, probe, c, running.id, podIP);
      if (result === 'success') {
        st.successes++;
        st.failures = 0;
      } else {
        st.failures++;
        st.successes = 0;
      }
      if (kind === 'readiness') {
        if (st.successes >= (probe.successThreshold ?? 1)) this.readiness.set(c.name, true);
        if (st.failures >= (probe.failureThreshold ?? 3)) this.readiness.set(c.name, false);
      } else if (st.failures >= (probe.failureThreshold ?? 3)) {
        this.livenessFailures.add(c.name);
        this.log('liveness probe failed', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: c.name });
      }
    }
  }

  /** The shortest period of any probe: how often the worker should look again. */
  static periodMs(pod: any): number | undefined {
    const periods = (pod.spec.containers ?? []).flatMap((c: any) => [c.readinessProbe, c.livenessProbe]).filter(Boolean).map((p: any) => (p.periodSeconds ?? 10) * 1000);
    return periods.length ? Math.min(...periods) : undefined;
  }

  livenessFailed(name: string): boolean {
    return this.livenessFailures.has(name);
  }

  forget(name: string): void {
    this.livenessFailures.delete(name);
    for (const k of [...this.states.keys()]) if (k.endsWith(`/${name}`)) this.states.delete(k);
  }
}
