import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expireAt } from './index.ts';

const job = (ttl: number | undefined, conds: any[]) => ({ metadata: { namespace: 'ns', name: 'j' }, spec: { ttlSecondsAfterFinished: ttl }, status: { conditions: conds } });
const at = Date.parse('2024-01-01T00:00:00Z');

describe('expireAt', () => {
  const cases: [string, any, number | undefined][] = [
    ['no TTL', job(undefined, [{ type: 'Complete', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }]), undefined],
    ['not finished', job(5, [{ type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }]), undefined],
    ['complete', job(5, [{ type: 'Complete', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }]), at + 5000],
    ['failed, TTL 0', job(0, [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }]), at],
    ['a False condition does not count', job(5, [{ type: 'Complete', status: 'False', lastTransitionTime: '2024-01-01T00:00:00Z' }]), undefined],
  ];
  for (const [name, j, want] of cases) it(name, () => assert.equal(expireAt(j), want));
  it('errors without a finish time', () => assert.throws(() => expireAt(job(5, [{ type: 'Complete', status: 'True' }])), /unable to find the time when the Job ns\/j finished/));
});
