import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Prober } from './prober.ts';
import type { ProbeKill } from './prober.ts';
import type { ProbeResult } from './probe-handlers.ts';

const pod = { metadata: { name: 'p', namespace: 'ns' } };
const START_NS = 1_000_000_000_000_000n; // 1e6 s after the epoch, in ns

function harness(script: Record<string, ProbeResult[]>) {
  let now = Number(START_NS / 1_000_000n);
  const runs: string[] = [];
  const events: string[] = [];
  const prober = new Prober({
    now: () => now,
    event: (type, reason, message) => events.push(`${type} ${reason} ${message}`),
    run: async (probe) => {
      const kind = probe.kind as string;
      runs.push(kind);
      const result = script[kind].shift() ?? 'success';
      return { result, output: result === 'failure' ? `${kind} said no` : '' };
    },
  });
  const running = { id: 'c1', startedAt: String(START_NS) } as any;
  return {
    prober, runs, events, running,
    advance(s: number) { now += s * 1000; },
    probe(c: any): Promise<ProbeKill | undefined> { return prober.probe(pod, c, running, '10.0.0.2'); },
  };
}

describe('Prober', () => {
  it('readiness starts false, needs successThreshold successes, falls after failureThreshold failures', async () => {
    const h = harness({ r: ['success', 'success', 'failure', 'failure'] });
    const c = { name: 'c', readinessProbe: { kind: 'r', periodSeconds: 2, successThreshold: 2, failureThreshold: 2 } };
    await h.probe(c);
    assert.equal(h.prober.readiness.get('c'), false);
    await h.probe(c); // not due yet: same period
    assert.deepEqual(h.runs, ['r']);
    h.advance(2);
    await h.probe(c);
    assert.equal(h.prober.readiness.get('c'), true);
    h.advance(2);
    await h.probe(c);
    assert.equal(h.prober.readiness.get('c'), true, 'one failure is below the threshold');
    h.advance(2);
    await h.probe(c);
    assert.equal(h.prober.readiness.get('c'), false);
    assert.deepEqual(h.events, ['Warning Unhealthy Readiness probe failed: r said no', 'Warning Unhealthy Readiness probe failed: r said no']);
  });

  it('waits initialDelaySeconds after the container started', async () => {
    const h = harness({ l: [] });
    const c = { name: 'c', livenessProbe: { kind: 'l', initialDelaySeconds: 5, periodSeconds: 1 } };
    await h.probe(c);
    h.advance(4);
    await h.probe(c);
    assert.deepEqual(h.runs, []);
    h.advance(1);
    await h.probe(c);
    assert.deepEqual(h.runs, ['l']);
  });

  it('liveness asks for a kill after failureThreshold failures in a row, with the probe grace period, then holds', async () => {
    const h = harness({ l: ['failure', 'success', 'failure', 'failure', 'failure', 'failure'] });
    const c = { name: 'c', livenessProbe: { kind: 'l', periodSeconds: 1, failureThreshold: 3, terminationGracePeriodSeconds: 4 } };
    const kills: (ProbeKill | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      kills.push(await h.probe(c));
      h.advance(1);
    }
    assert.deepEqual(kills, [undefined, undefined, undefined, undefined, { kind: 'liveness', gracePeriod: 4 }, undefined]);
    assert.equal(h.runs.length, 5, 'no probe runs after the kill was asked for');
    assert.equal(h.events.filter((e) => e === 'Warning Unhealthy Liveness probe failed: l said no').length, 4);
  });

  it('a startup probe gates liveness and readiness, and started', async () => {
    const h = harness({ s: ['failure', 'success'], r: [], l: [] });
    const c = { name: 'c', startupProbe: { kind: 's', periodSeconds: 1, failureThreshold: 5 }, readinessProbe: { kind: 'r', periodSeconds: 1 }, livenessProbe: { kind: 'l', periodSeconds: 1 } };
    await h.probe(c);
    assert.deepEqual(h.runs, ['s']);
    assert.equal(h.prober.started.get('c'), false);
    assert.equal(h.prober.readiness.get('c'), false);
    h.advance(1);
    await h.probe(c);
    assert.deepEqual(h.runs, ['s', 's', 'r', 'l']);
    assert.equal(h.prober.started.get('c'), true);
    assert.equal(h.prober.readiness.get('c'), true);
    h.advance(1);
    await h.probe(c);
    assert.deepEqual(h.runs.slice(4), ['r', 'l'], 'the startup probe stops once it succeeded');
  });

  it('a startup probe that keeps failing asks for a kill', async () => {
    const h = harness({ s: ['failure', 'failure'] });
    const c = { name: 'c', startupProbe: { kind: 's', periodSeconds: 1, failureThreshold: 2 } };
    assert.equal(await h.probe(c), undefined);
    h.advance(1);
    assert.deepEqual(await h.probe(c), { kind: 'startup' });
  });

  it('a new container instance starts over', async () => {
    const h = harness({ r: ['success', 'success'] });
    const c = { name: 'c', readinessProbe: { kind: 'r', periodSeconds: 10 } };
    await h.probe(c);
    assert.equal(h.prober.readiness.get('c'), true);
    h.prober.forget('c');
    assert.equal(h.prober.readiness.get('c'), false);
    h.running.id = 'c2';
    await h.probe(c);
    assert.equal(h.prober.readiness.get('c'), true);
    assert.equal(h.runs.length, 2);
  });

  it('periodMs is the shortest period of any probe', () => {
    assert.equal(Prober.periodMs({ spec: { containers: [{ startupProbe: { periodSeconds: 3 } }, { livenessProbe: {} }] } }), 3000);
    assert.equal(Prober.periodMs({ spec: { containers: [{}] } }), undefined);
  });
});
