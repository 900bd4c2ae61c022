import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hooksFor } from '../../hooks.ts';

function errs(group: string, kind: string, obj: any, old?: any): string[] {
  const h = hooksFor(group, 'v1', kind);
  const o = structuredClone(obj);
  h.defaults?.(o);
  let out;
  if (old) {
    const p = structuredClone(old);
    h.defaults?.(p);
    out = h.validateUpdate!(o, p);
  } else out = h.validate!(o);
  return out.map((e) => `${e.field}: ${e.type}: ${e.detail}`);
}

const template = (labels: any, extra: any = {}) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...extra } });
const deploy = (spec: any) => ({ metadata: { name: 'd', namespace: 'n' }, spec });

test('Deployment validation', () => {
  const sel = { matchLabels: { app: 'a' } };
  const cases: { name: string; spec: any; want: string[] }[] = [
    { name: 'valid', spec: { selector: sel, template: template({ app: 'a' }) }, want: [] },
    { name: 'no selector', spec: { template: template({ app: 'a' }) }, want: ['spec.selector: FieldValueRequired: '] },
    {
      name: 'selector mismatch', spec: { selector: sel, template: template({ app: 'b' }) },
      want: ['spec.template.metadata.labels: FieldValueInvalid: `selector` does not match template `labels`'],
    },
    {
      name: 'negative replicas', spec: { replicas: -1, selector: sel, template: template({ app: 'a' }) },
      want: ['spec.replicas: FieldValueInvalid: must be greater than or equal to 0'],
    },
    {
      name: 'restartPolicy Never', spec: { selector: sel, template: template({ app: 'a' }, { restartPolicy: 'Never' }) },
      want: ['spec.template.spec.restartPolicy: FieldValueNotSupported: supported values: "Always"'],
    },
    {
      name: 'bad strategy', spec: { strategy: { type: 'Blue' }, selector: sel, template: template({ app: 'a' }) },
      want: ['spec.strategy.type: FieldValueNotSupported: supported values: "Recreate", "RollingUpdate"'],
    },
    {
      name: 'zero surge and unavailable',
      spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }, selector: sel, template: template({ app: 'a' }) },
      want: ['spec.strategy.rollingUpdate.maxUnavailable: FieldValueInvalid: may not be 0 when `maxSurge` is 0'],
    },
    {
      name: 'recreate with rolling params',
      spec: { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }, selector: sel, template: template({ app: 'a' }) },
      want: ['spec.strategy.rollingUpdate: FieldValueForbidden: may not be specified when strategy `type` is \'Recreate\''],
    },
  ];
  for (const tc of cases) assert.deepEqual(errs('apps', 'Deployment', deploy(tc.spec)), tc.want, tc.name);
  const old = deploy({ selector: sel, template: template({ app: 'a', v: '1' }) });
  assert.deepEqual(errs('apps', 'Deployment', deploy({ selector: { matchLabels: { v: '1' } }, template: template({ app: 'a', v: '1' }) }), old),
    ['spec.selector: FieldValueInvalid: field is immutable']);
  assert.deepEqual(errs('apps', 'Deployment', deploy({ replicas: 5, selector: sel, template: template({ app: 'a', v: '2' }) }), old), []);
});

test('StatefulSet updates are limited', () => {
  const sts = (extra: any) => ({ metadata: { name: 's', namespace: 'n' }, spec: { selector: { matchLabels: { a: 'b' } }, template: template({ a: 'b' }), ...extra } });
  assert.deepEqual(errs('apps', 'StatefulSet', sts({ replicas: 3 }), sts({})), []);
  assert.match(errs('apps', 'StatefulSet', sts({ serviceName: 'x' }), sts({ serviceName: 'y' }))[0],
    /^spec: FieldValueForbidden: updates to statefulset spec for fields other than 'replicas'/);
});

test('Job and CronJob validation', () => {
  const job = (tmpl: any, extra: any = {}) => ({ metadata: { name: 'j', namespace: 'n', uid: 'u1' }, spec: { template: tmpl, ...extra } });
  assert.deepEqual(errs('batch', 'Job', job(template(undefined, { restartPolicy: 'Never' }))), []);
  assert.deepEqual(errs('batch', 'Job', job(template(undefined))),
    ['spec.template.spec.restartPolicy: FieldValueNotSupported: supported values: "OnFailure", "Never"']);
  assert.deepEqual(errs('batch', 'Job', job(template(undefined, { restartPolicy: 'Never' }), { selector: { matchLabels: { x: 'y' } } })),
    ['spec.selector: FieldValueInvalid: `selector` not auto-generated']);
  const old = job(template(undefined, { restartPolicy: 'Never' }));
  const changed = job({ ...template(undefined, { restartPolicy: 'Never' }), spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'other' }] } });
  assert.deepEqual(errs('batch', 'Job', changed, old), ['spec.template: FieldValueInvalid: field is immutable']);
  const cj = (schedule: string | undefined) => ({
    metadata: { name: 'c', namespace: 'n' }, spec: { schedule, jobTemplate: { spec: { template: template(undefined, { restartPolicy: 'OnFailure' }) } } },
  });
  assert.deepEqual(errs('batch', 'CronJob', cj('*/5 * * * *')), []);
  assert.deepEqual(errs('batch', 'CronJob', cj('@hourly')), []);
  assert.deepEqual(errs('batch', 'CronJob', cj(undefined)), ['spec.schedule: FieldValueRequired: ']);
  assert.deepEqual(errs('batch', 'CronJob', cj('* * *')), ['spec.schedule: FieldValueInvalid: expected exactly 5 fields, found 3: [* * *]']);
});
