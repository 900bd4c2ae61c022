import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeHealthTracker, seconds } from './health.ts';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const GRACE = 40_000;

function node(ready: string | null, heartbeat = T0, extra: any[] = []): any {
  const c = (type: string, status: string) => ({ type, status, reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: seconds(heartbeat), lastTransitionTime: seconds(T0 - 60_000) });
  return {
    metadata: { name: 'n1', creationTimestamp: seconds(T0 - 3600_000) },
    status: { conditions: ready === null ? extra : [c('MemoryPressure', 'False'), c('DiskPressure', 'False'), c('PIDPressure', 'False'), c('Ready', ready), ...extra] },
  };
}
const lease = (renew: number) => ({ spec: { renewTime: new Date(renew).toISOString().replace('Z', '000Z') } });

describe('node health', () => {
  it('a node whose lease keeps being renewed stays as it is', () => {
    const h = new NodeHealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: 60_000 });
    for (let t = 0; t <= 120_000; t += 10_000) {
      const r = h.check(node('True'), lease(T0 + t), T0 + t);
      assert.equal(r.conditions, undefined, `at +${t} ms`);
      assert.equal(r.current?.status, 'True');
    }
  });

  it('a node with fresh Ready heartbeats (no lease) stays as it is', () => {
    const h = new NodeHealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: 60_000 });
    for (let t = 0; t <= 120_000; t += 20_000) assert.equal(h.check(node('True', T0 + t), undefined, T0 + t).conditions, undefined);
  });

  it('a silent node becomes Unknown after the grace period, with upstream\'s reason and message', () => {
    const h = new NodeHealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: 60_000 });
    assert.equal(h.check(node('True'), lease(T0), T0).conditions, undefined);
    assert.equal(h.check(node('True'), lease(T0), T0 + GRACE).conditions, undefined, 'not before the grace period is over');
    const r = h.check(node('True'), lease(T0), T0 + GRACE + 1000);
    assert.equal(r.observed.status, 'True');
    assert.equal(r.current?.status, 'Unknown');
    const byType = Object.fromEntries(r.conditions!.map((c) => [c.type, c]));
    for (const t of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      assert.deepEqual([byType[t].status, byType[t].reason, byType[t].message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
      assert.equal(byType[t].lastTransitionTime, seconds(T0 + GRACE + 1000));
      assert.equal(byType[t].lastHeartbeatTime, seconds(T0), 'the last heartbeat is kept');
    }
    h.written('n1', r.conditions!, T0 + GRACE + 1000);
    const unknown = { ...node('True'), status: { conditions: r.conditions } };
    const again = h.check(unknown, lease(T0), T0 + GRACE + 2000);
    assert.equal(again.conditions, undefined, 'nothing more to write');
    assert.equal(again.observed.status, 'Unknown');
  });

  it('conditions the kubelet never posted are added as NodeStatusNeverUpdated', () => {
    const h = new NodeHealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: 60_000 });
    h.check(node('True'), undefined, T0);
    const partial = node(null, T0, [{ type: 'Ready', status: 'True', lastHeartbeatTime: seconds(T0), lastTransitionTime: seconds(T0) }]);
    const r = h.check(partial, undefined, T0 + GRACE + 1);
    const mem = r.conditions!.find((c) => c.type === 'MemoryPressure')!;
    assert.deepEqual([mem.status, mem.reason, mem.message], ['Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.']);
  });

  it('a node that never posted Ready gets the startup grace period from its creation', () => {
    const h = new NodeHealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: 60_000 });
    const fresh = { metadata: { name: 'n1', creationTimestamp: seconds(T0) }, status: {} };
    const r1 = h.check(fresh, undefined, T0 + 50_000);
    assert.equal(r1.gracePeriodMs, 60_000);
    assert.equal(r1.conditions, undefined);
    const r2 = h.check(fresh, undefined, T0 + 61_000);
    const ready = r2.conditions!.find((c) => c.type === 'Ready')!;
    assert.deepEqual([ready.status, ready.reason], ['Unknown', 'NodeStatusNeverUpdated']);
  });

  it('a renewed lease after silence counts from the controller\'s own clock', () => {
    const h = new NodeHealthTracker({ gracePeriodMs: GRACE, startupGracePeriodMs: 60_000 });
    h.check(node('True'), lease(T0), T0);
    // An older renewTime is no renewal; a newer one counts from when the controller saw it.
    assert.equal(h.check(node('True'), lease(T0 - 999_000 + 1), T0 + 30_000).conditions, undefined);
    assert.equal(h.check(node('True'), lease(T0 + 1), T0 + 60_000).conditions, undefined);
    assert.ok(h.check(node('True'), lease(T0 + 1), T0 + 101_000).conditions);
  });
});
