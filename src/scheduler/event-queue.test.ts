import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEventQueue } from './event-queue.ts';

describe('scheduler event queue', () => {
  it('sends a burst at once, then at the QPS, and drops what overflows the queue', async () => {
    const clock = { t: 0 };
    const sent: number[] = [];
    const q = createEventQueue<number>((n) => sent.push(n), { qps: 1000, burst: 3, maxQueued: 4, now: () => clock.t });
    const accepted = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => q.push(n));
    // 3 go out on the burst, 4 wait, the rest are dropped (upstream's DropIfChannelFull).
    assert.deepEqual(sent, [1, 2, 3]);
    assert.deepEqual(accepted, [true, true, true, true, true, true, true, false, false]);
    assert.equal(q.dropped, 2);
    assert.equal(q.queued, 4);
    clock.t += 2; // two tokens at 1000/s
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(sent, [1, 2, 3, 4, 5]);
    clock.t += 10;
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(sent, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(q.queued, 0);
    q.stop();
    assert.equal(q.push(10), false);
  });
});
