import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OwnWrites } from './own-writes.ts';

test('a key waits until the cache catches up with its own write, then never again for that write', () => {
  const w = new OwnWrites<string>(60_000);
  assert.equal(w.pending('a', () => false), false, 'nothing written');
  w.wrote('a', '5');
  let cached = '4';
  assert.equal(w.pending('a', (rv) => cached === rv), true);
  assert.equal(w.pending('b', () => false), false, 'another key');
  cached = '5';
  assert.equal(w.pending('a', (rv) => cached === rv), false);
  cached = '4';
  assert.equal(w.pending('a', (rv) => cached === rv), false, 'caught up once: forgotten');
});

test('the wait is bounded, and forget ends it', (t) => {
  t.mock.timers.enable({ apis: ['Date'] });
  const w = new OwnWrites<number>(1000);
  w.wrote('a', 1);
  w.wrote('b', 1);
  t.mock.timers.tick(999);
  assert.equal(w.pending('a', () => false), true);
  t.mock.timers.tick(1);
  assert.equal(w.pending('a', () => false), false);
  w.forget('b');
  assert.equal(w.pending('b', () => false), false);
});
