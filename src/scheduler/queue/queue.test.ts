import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './queue.ts';
import { prioritySort } from '../plugins/prioritysort/index.ts';
import { pod } from '../testing.ts';

function queue(now: { t: number }) {
  const sort = prioritySort();
  return new SchedulingQueue({
    less: (a, b) => sort.less!(a, b),
    preEnqueue: (p) => (p.spec.schedulingGates?.length ? 'SchedulingGates' : null),
    interested: (_p, plugin, ev) => plugin === 'NodeResourcesFit' && (ev.resource === 'Node' || (ev.resource === 'Pod' && ev.action === 'Delete')),
    now: () => now.t,
  });
}

describe('scheduling queue', () => {
  it('pops by priority, then by arrival', async () => {
    const now = { t: 0 };
    const q = queue(now);
    q.add(pod('a', { priority: 1 }));
    now.t++;
    q.add(pod('b', { priority: 5 }));
    now.t++;
    q.add(pod('c', { priority: 1 }));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop())!.pi.pod.metadata.name);
    assert.deepEqual(order, ['b', 'a', 'c']);
  });

  it('backs off 1 s, 2 s, 4 s … up to 10 s', () => {
    const q = queue({ t: 0 });
    const info = { attempts: 0 } as any;
    const got = [1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration({ ...info, attempts: a }));
    assert.deepEqual(got, [1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('moves an unschedulable pod only on an event its plugins care about, through backoff', async () => {
    const now = { t: 0 };
    const q = queue(now);
    q.add(pod('p'));
    const qp = (await q.pop())!;
    qp.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulable(qp, q.schedulingCycle);
    assert.equal(q.stats().unschedulable, 1);
    q.moveAllToActiveOrBackoff({ resource: 'PersistentVolume', action: 'Add' });
    assert.equal(q.stats().unschedulable, 1);
    q.moveAllToActiveOrBackoff({ resource: 'Node', action: 'Add' });
    assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0, gated: 0 });
    now.t += 999;
    q.flushBackoffCompleted();
    assert.equal(q.stats().backoff, 1);
    now.t += 1;
    q.flushBackoffCompleted();
    assert.equal(q.stats().active, 1);
  });

  it('pops a moved pod from backoff when activeQ is empty (SchedulerPopFromBackoffQ), never one in error backoff', async () => {
    const now = { t: 0 };
    const q = queue(now);
    q.add(pod('moved'));
    q.add(pod('failed'));
    const a = (await q.pop())!;
    const b = (await q.pop())!;
    a.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulable(a, q.schedulingCycle);
    q.addUnschedulable(b, q.schedulingCycle, true);
    // A waiting pop is woken by the move, long before the 1 s backoff ends.
    const next = q.pop();
    q.moveAllToActiveOrBackoff({ resource: 'Pod', action: 'Delete' });
    assert.equal((await next)!.pi.pod.metadata.name, 'moved');
    assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0, gated: 0 });
    let popped = false;
    void q.pop().then(() => { popped = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(popped, false, 'error backoff is waited out');
    now.t += 1000;
    q.flushBackoffCompleted();
    await new Promise((r) => setImmediate(r));
    assert.equal(popped, true);
  });

  it('sends a pod that failed during a move request to backoff, not to unschedulable', async () => {
    const q = queue({ t: 0 });
    q.add(pod('p'));
    const qp = (await q.pop())!;
    const cycle = q.schedulingCycle;
    q.moveAllToActiveOrBackoff({ resource: 'Node', action: 'Add' });
    qp.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulable(qp, cycle);
    assert.equal(q.stats().backoff, 1);
  });

  it('parks a pod that failed during an event its plugins do not care about', async () => {
    const q = queue({ t: 0 });
    q.add(pod('p'));
    const qp = (await q.pop())!;
    const cycle = q.schedulingCycle;
    q.moveAllToActiveOrBackoff({ resource: 'Pod', action: 'Add' });
    qp.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulable(qp, cycle);
    assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 1, gated: 0 });
  });

  it('keeps an unschedulable pod parked when only its status changes, and moves it when its spec does', async () => {
    const sort = prioritySort();
    const q = new SchedulingQueue({
      less: (a, b) => sort.less!(a, b), preEnqueue: () => null, interested: (_p, plugin, ev) => plugin === 'TaintToleration' && ev.resource === 'Pod', now: () => 0,
    });
    const p = pod('p');
    q.add(p);
    const qp = (await q.pop())!;
    qp.unschedulablePlugins = new Set(['TaintToleration']);
    q.addUnschedulable(qp, q.schedulingCycle);
    const withStatus = { ...p, metadata: { ...p.metadata, resourceVersion: '7' }, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } };
    q.update(withStatus);
    assert.equal(q.stats().unschedulable, 1);
    q.update({ ...withStatus, spec: { ...p.spec, tolerations: [{ operator: 'Exists' }] } });
    assert.equal(q.stats().unschedulable, 0);
  });

  it('flushes pods left unschedulable for 5 minutes', async () => {
    const now = { t: 0 };
    const q = queue(now);
    q.add(pod('p'));
    const qp = (await q.pop())!;
    qp.unschedulablePlugins = new Set(['VolumeBinding']);
    q.addUnschedulable(qp, q.schedulingCycle);
    now.t += 5 * 60_000 + 1;
    q.flushUnschedulableLeftover();
    assert.equal(q.stats().active, 1);
  });

  it('lets a gated pod in once its gates are removed', () => {
    const q = queue({ t: 0 });
    const p = pod('g', { spec: { schedulingGates: [{ name: 'x' }] } });
    q.add(p);
    assert.equal(q.stats().gated, 1);
    q.update({ ...p, spec: { ...p.spec, schedulingGates: [] } });
    assert.deepEqual(q.stats(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
  });
});
