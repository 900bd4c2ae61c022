import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { byLabelPair, bySelectorPair, selectedPods, servicesSelecting, servicesToUpdateOnPodChange } from './podutil.ts';

/** A cache with the indexes the Endpoints controllers ask for, over plain objects. */
function cache(objs: any[], indexer: (o: any) => string[], name: string) {
  return {
    byIndex(index: string, value: string) {
      assert.equal(index, name);
      return objs.filter((o) => indexer(o).includes(value));
    },
  };
}

const pod = (ns: string, name: string, labels: Record<string, string>) => ({ metadata: { namespace: ns, name, labels } });
const svc = (ns: string, name: string, selector?: Record<string, string>) => ({ metadata: { namespace: ns, name }, spec: { selector } });

describe('selectedPods', () => {
  const pods = [
    pod('a', 'web-1', { app: 'web', tier: 'front' }), pod('a', 'web-2', { app: 'web' }), pod('a', 'db-1', { app: 'db', tier: 'front' }),
    pod('b', 'web-3', { app: 'web', tier: 'front' }),
  ];
  const idx = cache(pods, byLabelPair, 'label');
  const cases: [string, any, string[]][] = [
    ['one label', svc('a', 's', { app: 'web' }), ['web-1', 'web-2']],
    ['every label must match', svc('a', 's', { app: 'web', tier: 'front' }), ['web-1']],
    ['a later label narrows too', svc('a', 's', { tier: 'front', app: 'db' }), ['db-1']],
    ['only its namespace', svc('b', 's', { app: 'web' }), ['web-3']],
    ['no selector selects nothing', svc('a', 's'), []],
    ['an empty selector selects nothing', svc('a', 's', {}), []],
  ];
  for (const [name, service, want] of cases) {
    it(name, () => {
      assert.deepEqual(selectedPods(idx, service).map((p) => p.metadata.name), want);
      // The same as filtering the namespace's pods by the selector.
      const sel = service.spec.selector ?? {};
      const scan = Object.keys(sel).length === 0 ? [] : pods.filter((p) => p.metadata.namespace === service.metadata.namespace
        && Object.entries(sel).every(([k, v]) => (p.metadata.labels as any)[k] === v));
      assert.deepEqual(selectedPods(idx, service), scan);
    });
  }
});

describe('servicesSelecting', () => {
  const services = [svc('a', 'web', { app: 'web' }), svc('a', 'front', { tier: 'front' }), svc('a', 'both', { app: 'web', tier: 'front' }),
    svc('a', 'none'), svc('b', 'web', { app: 'web' })];
  const idx = cache(services, bySelectorPair, 'selector');
  const cases: [string, any, string[]][] = [
    ['every Service whose selector the labels satisfy', pod('a', 'p', { app: 'web', tier: 'front' }), ['a/web', 'a/front', 'a/both']],
    ['not those wanting a label the pod lacks', pod('a', 'p', { app: 'web' }), ['a/web']],
    ['only the pod namespace', pod('b', 'p', { app: 'web', tier: 'front' }), ['b/web']],
    ['none for an unlabelled pod', pod('a', 'p', {}), []],
  ];
  for (const [name, p, want] of cases) {
    it(name, () => assert.deepEqual(servicesSelecting(idx, p).sort(), want.sort()));
  }
});

describe('servicesToUpdateOnPodChange (upstream GetServicesToUpdateOnPodChange)', () => {
  const services = cache([svc('a', 'web', { app: 'web' }), svc('a', 'api', { app: 'api' })], bySelectorPair, 'selector');
  const ready = (status: string) => ({ phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }], conditions: [{ type: 'Ready', status }] });
  const base = (rv: string, extra: any = {}) => ({ metadata: { namespace: 'a', name: 'p', resourceVersion: rv, labels: { app: 'web' }, ...(extra.metadata ?? {}) }, spec: { ...(extra.spec ?? {}) }, status: extra.status });
  const cases: { name: string; old: any; pod: any; want: string[] }[] = [
    { name: 'binding to a node (no IP yet)', old: base('1'), pod: base('2', { spec: { nodeName: 'n1' } }), want: [] },
    { name: 'a resync of the same version', old: base('2', { status: ready('True') }), pod: base('2', { status: ready('False') }), want: [] },
    { name: 'becoming ready with an IP', old: base('2', { spec: { nodeName: 'n1' } }), pod: base('3', { spec: { nodeName: 'n1' }, status: ready('True') }), want: ['a/web'] },
    { name: 'losing readiness', old: base('3', { status: ready('True') }), pod: base('4', { status: ready('False') }), want: ['a/web'] },
    { name: 'an unrelated status change', old: base('3', { status: ready('True') }), pod: base('4', { status: { ...ready('True'), qosClass: 'BestEffort' } }), want: [] },
    { name: 'being deleted', old: base('3', { status: ready('True') }), pod: base('4', { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, status: ready('True') }), want: ['a/web'] },
    { name: 'relabelled only: the Services that gained or lost it', old: base('3'), pod: base('4', { metadata: { labels: { app: 'api' } } }), want: ['a/api', 'a/web'] },
    { name: 'a label no Service selects', old: base('3'), pod: base('4', { metadata: { labels: { app: 'web', x: 'y' } } }), want: [] },
    { name: 'relabelled and ready: both', old: base('3'), pod: base('4', { metadata: { labels: { app: 'api' } }, status: ready('True') }), want: ['a/api', 'a/web'] },
    { name: 'a new hostname', old: base('3'), pod: base('4', { spec: { hostname: 'h' } }), want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(servicesToUpdateOnPodChange(services, c.old, c.pod).sort(), c.want));
  }
});
