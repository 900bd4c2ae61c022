import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeMatcher } from './node-matcher.ts';
import { podMatchesNodeSelectorAndAffinity } from './selectors.ts';

const node = (name: string, labels?: Record<string, string>) => ({ metadata: { name, labels } });
const withTerms = (terms: any[] | undefined, nodeSelector?: Record<string, string>) => ({
  spec: { nodeSelector, affinity: terms === undefined ? undefined : { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } },
});

describe('compiled node matcher', () => {
  const nodes = [
    node('a', { zone: 'z1', disk: 'ssd', cores: '8' }),
    node('b', { zone: 'z2', cores: '2' }),
    node('c'),
    node('d', { zone: 'z3', disk: 'hdd', cores: 'many' }),
  ];
  const cases: [string, any, string[]][] = [
    ['no constraints', { spec: {} }, ['a', 'b', 'c', 'd']],
    ['nodeSelector', withTerms(undefined, { disk: 'ssd' }), ['a']],
    ['In', withTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z2'] }] }]), ['a', 'b']],
    ['NotIn matches nodes without the label', withTerms([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z1'] }] }]), ['b', 'c', 'd']],
    ['Exists and DoesNotExist', withTerms([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }, { key: 'zone', operator: 'DoesNotExist' }] }]), []],
    ['Gt on integers only', withTerms([{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }]), ['a']],
    ['Lt', withTerms([{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['4'] }] }]), ['b']],
    ['terms are ORed', withTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z3'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }]), ['b', 'd']],
    ['an empty term matches nothing', withTerms([{}]), []],
    ['no terms match nothing', withTerms([]), []],
    ['unsupported field', withTerms([{ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['a'] }] }]), []],
    ['selector and affinity both hold', withTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z3'] }] }], { disk: 'hdd' }), ['d']],
    ['unknown operator', withTerms([{ matchExpressions: [{ key: 'zone', operator: 'Like', values: ['z1'] }] }]), []],
  ];
  for (const [name, pod, want] of cases) {
    it(name, () => {
      const m = nodeMatcher(pod);
      assert.deepEqual(nodes.filter((n) => m(n)).map((n) => n.metadata.name), want);
      // The uncompiled rules agree.
      assert.deepEqual(nodes.filter((n) => podMatchesNodeSelectorAndAffinity(pod, n)).map((n) => n.metadata.name), want);
    });
  }
});
