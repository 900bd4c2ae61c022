import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelector, fromLabelSelector, formatLabelSelector } from './labels.ts';
import { parseFieldSelector } from './fields.ts';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', rev: '3' };
  const cases: [string, boolean][] = [
    ['app=web', true], ['app==web', true], ['app!=web', false], ['app in (web,api)', true], ['app notin (web)', false],
    ['app', true], ['!app', false], ['missing', false], ['!missing', true], ['rev>2', true], ['rev<3', false],
    ['app=web,tier=front', true], ['app=web,tier=back', false], ['tier in (front, back),!missing', true], ['', true],
  ];
  for (const [sel, want] of cases) it(`"${sel}" → ${want}`, () => assert.equal(parseSelector(sel).matches(labels), want));
  it('prints the canonical form, sorted by key', () => {
    assert.equal(parseSelector('z=1,a in (y,x),!b').toString(), 'a in (x,y),!b,z=1');
  });
  it('refuses bad syntax and values', () => {
    for (const bad of ['a=b c', 'Bad Key=1', 'a=-x-', 'a>x', 'a in ()x']) assert.throws(() => parseSelector(bad), Error, bad);
  });
  it('converts LabelSelector objects, refusing bad operators', () => {
    const s = fromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }, { key: 'x', operator: 'DoesNotExist' }] });
    assert.equal(s.matches(labels), true);
    assert.equal(formatLabelSelector({ matchLabels: { b: '1', a: '2' } }), 'a=2,b=1');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt' }] }), /not a valid label selector operator/);
    assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /can't be empty/);
  });
});

describe('field selectors', () => {
  const fields = { 'metadata.name': 'a,b', 'spec.nodeName': '', 'status.phase': 'Running' };
  it('matches =, == and !=, with escapes and empty values', () => {
    assert.equal(parseFieldSelector('status.phase=Running').matches(fields), true);
    assert.equal(parseFieldSelector('status.phase!=Running').matches(fields), false);
    assert.equal(parseFieldSelector('metadata.name=a\\,b').matches(fields), true);
    assert.equal(parseFieldSelector('spec.nodeName=').matches(fields), true);
    assert.equal(parseFieldSelector('spec.nodeName==,status.phase=Running').matches(fields), true);
    assert.deepEqual(parseFieldSelector('a=1,b!=2').requirements().map((r) => r.field), ['a', 'b']);
  });
  it('refuses what it cannot understand', () => {
    assert.throws(() => parseFieldSelector('justakey'), /can't understand/);
    assert.throws(() => parseFieldSelector('a=\\x'), /escape/);
  });
});
