import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesNodeSelectorTerm, matchesSelector, tolerates } from './selectors.ts';

describe('label selectors', () => {
  const cases: [string, any, Record<string, string>, boolean][] = [
    ['nil matches nothing', null, { a: '1' }, false],
    ['empty matches all', {}, { a: '1' }, true],
    ['matchLabels', { matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    ['In', { matchExpressions: [{ key: 'a', operator: 'In', values: ['2', '3'] }] }, { a: '1' }, false],
    ['NotIn with label missing', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }, false],
  ];
  for (const [name, sel, labels, want] of cases) it(name, () => assert.equal(matchesSelector(sel, labels), want));
});

describe('node selector terms', () => {
  const node = { metadata: { name: 'n1', labels: { cores: '8', zone: 'a' } } };
  const cases: [string, any, boolean][] = [
    ['empty term matches nothing', {}, false],
    ['Gt', { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }, true],
    ['Lt', { matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['4'] }] }, false],
    ['matchFields metadata.name', { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, true],
    ['matchFields other field', { matchFields: [{ key: 'spec.x', operator: 'In', values: ['n1'] }] }, false],
    ['expressions AND fields', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, false],
  ];
  for (const [name, term, want] of cases) it(name, () => assert.equal(matchesNodeSelectorTerm(term, node), want));
});

describe('tolerations', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  const cases: [string, any, boolean][] = [
    ['Equal with value', { key: 'k', value: 'v' }, true],
    ['Equal wrong value', { key: 'k', value: 'x' }, false],
    ['Exists with key', { key: 'k', operator: 'Exists' }, true],
    ['Exists without key tolerates all', { operator: 'Exists' }, true],
    ['wrong effect', { key: 'k', operator: 'Exists', effect: 'NoExecute' }, false],
    ['empty key needs Exists', { value: 'v' }, false],
  ];
  for (const [name, t, want] of cases) it(name, () => assert.equal(tolerates(t, taint), want));
});
