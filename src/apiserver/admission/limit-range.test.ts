import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../api/resources.ts';
import { defaultLimitRange } from '../../api/core/v1/defaults.ts';
import type { AdmissionAttributes, Operation } from './index.ts';
import { aggregate, limitRanger, podTotals, podViolations, pvcViolations, validateLimitRange } from './limit-range.ts';

const res = (resource: string) => RESOURCES.find((r) => r.group === '' && r.resource === resource)!;
const lr = (name: string, ...limits: any[]) => {
  const o = { metadata: { name, namespace: 'ns' }, spec: { limits } };
  defaultLimitRange(o);
  return o;
};
const container = (name: string, requests?: Record<string, string>, limits?: Record<string, string>) =>
  ({ name, image: 'x', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });
const pod = (containers: any[], initContainers: any[] = []) => ({ metadata: { name: 'x', namespace: 'ns' }, spec: { containers, initContainers } });
const attrs = (resource: string, object: any, operation: Operation = 'CREATE', oldObject?: any): AdmissionAttributes => ({
  operation, resource: res(resource), subresource: '', namespace: 'ns', name: object.metadata.name, object, oldObject,
  user: { username: 'admin', groups: [] }, dryRun: false,
});

describe('LimitRanger defaults', () => {
  it('fills default limits and requests into containers and init containers, and annotates as upstream', () => {
    const plugin = limitRanger({ list: () => [lr('l', { type: 'Container', default: { cpu: '500m', memory: '1Gi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } })] });
    const p = pod([container('app'), container('side', { cpu: '200m' }, { cpu: '300m' })], [container('init')]);
    plugin.admit!(attrs('pods', p));
    assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '100m', memory: '256Mi' } });
    assert.deepEqual(p.spec.containers[1].resources, { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '300m', memory: '1Gi' } });
    assert.deepEqual(p.spec.initContainers[0].resources.requests, { cpu: '100m', memory: '256Mi' });
    assert.equal((p.metadata as any).annotations['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; memory request for container side; ' +
      'memory limit for container side; cpu, memory request for init container init; cpu, memory limit for init container init');
  });

  it('uses default as the request when only default is given (the LimitRange defaulting), and leaves a complete pod alone', () => {
    const plugin = limitRanger({ list: () => [lr('l', { type: 'Container', default: { cpu: '1000m' } })] });
    const p = pod([container('app')]);
    plugin.admit!(attrs('pods', p));
    assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '1' }, requests: { cpu: '1' } });
    const full = pod([container('app', { cpu: '1' }, { cpu: '1' })]);
    plugin.admit!(attrs('pods', full));
    assert.equal((full.metadata as any).annotations, undefined);
  });

  it('does not touch pod updates, subresources or objects being deleted', () => {
    const plugin = limitRanger({ list: () => [lr('l', { type: 'Container', default: { cpu: '1' } })] });
    const p = pod([container('app')]);
    plugin.admit!(attrs('pods', p, 'UPDATE', pod([])));
    assert.deepEqual(p.spec.containers[0].resources, {});
    plugin.admit!({ ...attrs('pods', p), subresource: 'status' });
    assert.deepEqual(p.spec.containers[0].resources, {});
  });
});

describe('LimitRanger constraints', () => {
  const cases: { name: string; limits: any[]; pod: any; want: string[] }[] = [
    { name: 'container min and max', limits: [{ type: 'Container', min: { cpu: '100m' }, max: { memory: '1Gi' } }],
      pod: pod([container('app', { cpu: '50m', memory: '1Gi' }, { cpu: '1', memory: '2Gi' })]),
      want: ['minimum cpu usage per Container is 100m, but request is 50m', 'maximum memory usage per Container is 1Gi, but limit is 2Gi'] },
    { name: 'missing request and limit', limits: [{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' } }],
      pod: pod([container('app')]),
      want: ['minimum cpu usage per Container is 100m.  No request is specified', 'maximum cpu usage per Container is 1.  No limit is specified'] },
    { name: 'limit under min', limits: [{ type: 'Container', min: { cpu: '100m' } }],
      pod: pod([container('app', { cpu: '100m' }, { cpu: '50m' })]), want: ['minimum cpu usage per Container is 100m, but limit is 50m'] },
    { name: 'request over max', limits: [{ type: 'Container', max: { cpu: '1' } }],
      pod: pod([container('app', { cpu: '2' }, { cpu: '1' })]), want: ['maximum cpu usage per Container is 1, but request is 2'] },
    { name: 'ratio exceeded', limits: [{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }],
      pod: pod([container('app', { cpu: '100m' }, { cpu: '250m' })]), want: ['cpu max limit to request ratio per Container is 2, but provided ratio is 2.500000'] },
    { name: 'ratio without request', limits: [{ type: 'Container', maxLimitRequestRatio: { memory: '2' } }],
      pod: pod([container('app', undefined, { cpu: '1' })]), want: ['memory max limit to request ratio per Container is 2, but no request is specified or request is 0'] },
    { name: 'ratio within bound', limits: [{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }],
      pod: pod([container('app', { cpu: '100m' }, { cpu: '200m' })]), want: [] },
    { name: 'init containers are checked too', limits: [{ type: 'Container', max: { cpu: '1' } }],
      pod: pod([container('app', { cpu: '1' }, { cpu: '1' })], [container('init', { cpu: '2' }, { cpu: '2' })]),
      want: ['maximum cpu usage per Container is 1, but limit is 2'] },
    { name: 'pod max over the sum of containers', limits: [{ type: 'Pod', max: { cpu: '1' } }],
      pod: pod([container('a', { cpu: '600m' }, { cpu: '600m' }), container('b', { cpu: '600m' }, { cpu: '600m' })]),
      want: ['maximum cpu usage per Pod is 1, but limit is 1200m'] },
    { name: 'pod min with one container lacking a request', limits: [{ type: 'Pod', min: { memory: '64Mi' } }],
      pod: pod([container('a', { memory: '32Mi' })]), want: ['minimum memory usage per Pod is 64Mi, but request is 32Mi'] },
  ];
  for (const tc of cases) {
    it(tc.name, () => assert.deepEqual(podViolations(lr('l', ...tc.limits), tc.pod), tc.want));
  }

  it('pod totals take the larger of containers and each init container (with the sidecars before it)', () => {
    const p = pod([container('a', { cpu: '100m' })], [
      { ...container('side', { cpu: '200m' }), restartPolicy: 'Always' },
      container('init', { cpu: '250m' }),
    ]);
    // containers 100m + sidecar 200m = 300m; init 250m + sidecar 200m = 450m wins.
    assert.equal(podTotals(p, 'requests').get('cpu')!.nanos, 450_000_000n);
  });

  it('refuses with 403 Forbidden and the aggregated message, the first failing LimitRange deciding', () => {
    const plugin = limitRanger({ list: () => [
      lr('b', { type: 'Container', max: { memory: '1Gi' } }),
      lr('a', { type: 'Container', min: { cpu: '100m' }, max: { memory: '1Gi' } }),
    ] });
    const p = pod([container('app', { cpu: '50m', memory: '1Gi' }, { cpu: '1', memory: '2Gi' })]);
    assert.throws(() => plugin.validate!(attrs('pods', p)), (err: any) => {
      assert.equal(err.status.code, 403);
      assert.equal(err.status.reason, 'Forbidden');
      assert.equal(err.status.message, 'pods "x" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit is 2Gi]');
      return true;
    });
    assert.equal(aggregate(['same', 'same']), 'same');
  });

  it('enforces PersistentVolumeClaim storage min and max on requests, on create and update', () => {
    const range = lr('l', { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } });
    const pvc = (storage?: string) => ({ metadata: { name: 'data', namespace: 'ns' }, spec: { resources: { requests: storage ? { storage } : {} } } });
    assert.deepEqual(pvcViolations(range, pvc('500Mi')), ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi']);
    assert.deepEqual(pvcViolations(range, pvc('20Gi')), ['maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi']);
    assert.deepEqual(pvcViolations(range, pvc()), [
      'minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified',
      'maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is specified',
    ]);
    assert.deepEqual(pvcViolations(range, pvc('5Gi')), []);
    const plugin = limitRanger({ list: () => [range] });
    assert.throws(() => plugin.validate!(attrs('persistentvolumeclaims', pvc('20Gi'), 'UPDATE', pvc('5Gi'))),
      /persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi/);
  });
});

describe('LimitRange validation', () => {
  const fields = (...limits: any[]) => validateLimitRange(lr('l', ...limits)).map((e) => `${e.field}: ${e.detail}`);
  // Without the LimitRange defaulting, which copies max into default and defaultRequest.
  const rawFields = (...limits: any[]) => validateLimitRange({ spec: { limits } }).map((e) => `${e.field}: ${e.detail}`);
  it('accepts a consistent range', () => {
    assert.deepEqual(fields({ type: 'Container', min: { cpu: '100m' }, max: { cpu: '2' }, default: { cpu: '1' }, defaultRequest: { cpu: '500m' }, maxLimitRequestRatio: { cpu: '4' } },
      { type: 'Pod', max: { memory: '4Gi' } }, { type: 'PersistentVolumeClaim', max: { storage: '5Gi' } }), []);
  });
  const cases: { name: string; limits: any[]; want: string[]; raw?: boolean }[] = [
    { name: 'default above max (the defaulted request with it)', limits: [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '2' } }],
      want: ['spec.limits[0].defaultRequest[cpu]: default request value 2 is greater than max value 1', 'spec.limits[0].default[cpu]: default value 2 is greater than max value 1'] },
    { name: 'min above max and default request', limits: [{ type: 'Container', min: { memory: '2Gi' }, max: { memory: '1Gi' }, default: { memory: '1Gi' } }],
      want: [
        'spec.limits[0].min[memory]: min value 2Gi is greater than max value 1Gi',
        'spec.limits[0].defaultRequest[memory]: min value 2Gi is greater than default request value 1Gi',
        'spec.limits[0].default[memory]: min value 2Gi is greater than default value 1Gi',
      ] },
    { name: 'default request above default', limits: [{ type: 'Container', default: { cpu: '100m' }, defaultRequest: { cpu: '200m' } }],
      want: ['spec.limits[0].defaultRequest[cpu]: default request value 200m is greater than default limit value 100m'] },
    { name: 'ratio below 1 and above max/min', limits: [{ type: 'Pod', maxLimitRequestRatio: { cpu: '500m' } }, { type: 'Container', min: { cpu: '1' }, max: { cpu: '2' }, maxLimitRequestRatio: { cpu: '3' } }],
      want: ['spec.limits[0].maxLimitRequestRatio[cpu]: ratio 500m is less than 1', 'spec.limits[1].maxLimitRequestRatio[cpu]: ratio 3 is greater than max/min = 2.000000'] },
    { name: 'pod defaults forbidden, duplicate type', limits: [{ type: 'Pod', default: { cpu: '1' } }, { type: 'Pod' }],
      want: ["spec.limits[0].default: may not be specified when `type` is 'Pod'", 'spec.limits[1].type: undefined'] },
    { name: 'pvc without storage bound', limits: [{ type: 'PersistentVolumeClaim' }],
      want: ['spec.limits[0].limits: either minimum or maximum storage value is required, but neither was provided'] },
    { name: 'resource and type names', limits: [{ type: 'Bogus', max: { pods: '1' } }, { type: 'Container', max: { widgets: '1' } }],
      want: ['spec.limits[0].type: must be a standard limit type or fully qualified', 'spec.limits[1].max[widgets]: must be a standard resource type or fully qualified',
        'spec.limits[1].max[widgets]: must be a standard resource for containers'], raw: true },
    { name: 'bad quantity', limits: [{ type: 'Container', max: { cpu: 'lots' } }],
      want: ["spec.limits[0].max[cpu]: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"], raw: true },
  ];
  for (const tc of cases) it(tc.name, () => assert.deepEqual((tc.raw ? rawFields : fields)(...tc.limits), tc.want));

  it('refuses an invalid LimitRange with 422 and causes through the plugin', () => {
    const plugin = limitRanger({ list: () => [] });
    const bad = lr('lr', { type: 'Container', max: { cpu: '1' }, default: { cpu: '2' } });
    assert.throws(() => plugin.validate!(attrs('limitranges', bad)), (err: any) => {
      assert.equal(err.status.code, 422);
      assert.equal(err.status.message, 'LimitRange "lr" is invalid: [spec.limits[0].defaultRequest[cpu]: Invalid value: "2": default request value 2 is greater than max value 1, ' +
        'spec.limits[0].default[cpu]: Invalid value: "1": default value 2 is greater than max value 1]');
      assert.deepEqual(err.status.details.causes.map((c: any) => c.field), ['spec.limits[0].defaultRequest[cpu]', 'spec.limits[0].default[cpu]']);
      return true;
    });
  });
});
