import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTaint, parseTaints } from './taints.ts';

describe('parseTaint', () => {
  const ok: [string, object][] = [
    ['dedicated=agents:NoSchedule', { key: 'dedicated', value: 'agents', effect: 'NoSchedule' }],
    ['gpu:NoExecute', { key: 'gpu', effect: 'NoExecute' }],
    ['example.com/team=a.b_c-d:PreferNoSchedule', { key: 'example.com/team', value: 'a.b_c-d', effect: 'PreferNoSchedule' }],
    ['empty=:NoSchedule', { key: 'empty', effect: 'NoSchedule' }],
  ];
  for (const [spec, want] of ok) it(`parses ${spec}`, () => assert.deepEqual(parseTaint(spec), want));
  const bad: [string, RegExp][] = [
    ['dedicated=agents', /invalid taint spec: dedicated=agents/],
    ['dedicated=agents:Never', /invalid taint effect: Never, unsupported taint effect/],
    ['=v:NoSchedule', /key "" is not a qualified name/],
    ['k=bad value:NoSchedule', /value "bad value"/],
  ];
  for (const [spec, re] of bad) it(`refuses ${spec}`, () => assert.throws(() => parseTaint(spec), re));
});

describe('parseTaints', () => {
  it('reads comma-separated and repeated specs', () => {
    assert.deepEqual(parseTaints(['a=1:NoSchedule,b:NoExecute', '', 'c=3:NoSchedule']).map((t) => t.key), ['a', 'b', 'c']);
  });
  it('allows one key with two effects but refuses a duplicate key and effect', () => {
    assert.equal(parseTaints(['a=1:NoSchedule', 'a=1:NoExecute']).length, 2);
    assert.throws(() => parseTaints(['a=1:NoSchedule', 'a=2:NoSchedule']), /duplicated taints with the same key and effect: a:NoSchedule/);
  });
});
