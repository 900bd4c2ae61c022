import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './workqueue.ts';
import type { Clock } from './workqueue.ts';

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    now: () => now,
    setTimeout(fn, ms) { const id = next++; timers.push({ at: now + ms, fn, id }); return id; },
    clearTimeout(id) { timers = timers.filter((t) => t.id !== id); },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

describe('WorkQueue', () => {
  it('deduplicates keys that are waiting', async () => {
    const q = new WorkQueue();
    q.add('a'); q.add('a'); q.add('b');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  it('never hands a key being processed to a second worker, and requeues it after', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    assert.equal(q.length, 0, 'not queued while processing');
    q.done(k!);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
  });

  it('backs off failed keys exponentially and forgets on success', () => {
    const clock = fakeClock();
    const q = new WorkQueue({ baseDelayMs: 10, clock });
    q.addRateLimited('x');
    clock.advance(9);
    assert.equal(q.length, 0);
    clock.advance(1);
    assert.equal(q.length, 1);
    q.addRateLimited('y'); q.addRateLimited('y');
    assert.equal(q.retries('y'), 2);
    q.forget('y');
    assert.equal(q.retries('y'), 0);
  });

  it('limits the overall retry rate with a token bucket', () => {
    const clock = fakeClock();
    const q = new WorkQueue({ baseDelayMs: 1, qps: 10, burst: 2, clock });
    for (const k of ['a', 'b', 'c']) q.addRateLimited(k);
    clock.advance(1);
    assert.equal(q.length, 2, 'the burst goes at once');
    clock.advance(99);
    assert.equal(q.length, 3, 'the third waits one token (100 ms at 10 qps)');
  });

  it('wakes waiting workers with null on shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    assert.equal(await waiting, null);
  });
});
