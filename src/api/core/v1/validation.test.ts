import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hooksFor, validateObjectMeta } from '../../hooks.ts';
import type { FieldError } from './errors.ts';

/** Upstream's rendering of a field error, for readable expectations. */
function render(e: FieldError): string {
  const kinds: Record<string, string> = {
    FieldValueRequired: 'Required value', FieldValueInvalid: 'Invalid value', FieldValueDuplicate: 'Duplicate value',
    FieldValueNotSupported: 'Unsupported value', FieldValueForbidden: 'Forbidden', FieldValueNotFound: 'Not found', FieldValueTooLong: 'Too long',
  };
  const k = kinds[e.type] ?? e.type;
  const withValue = ['FieldValueInvalid', 'FieldValueDuplicate', 'FieldValueNotSupported', 'FieldValueNotFound'].includes(e.type);
  const value = withValue ? `: ${typeof e.badValue === 'string' ? JSON.stringify(e.badValue) : JSON.stringify(e.badValue)}` : '';
  return `${e.field}: ${k}${value}${e.detail ? `: ${e.detail}` : ''}`;
}

function errorsOf(group: string, kind: string, obj: any, old?: any): string[] {
  const hooks = hooksFor(group, 'v1', kind);
  const copy = structuredClone(obj);
  hooks.defaults?.(copy);
  let errs: FieldError[];
  if (old === undefined) errs = hooks.validate?.(copy) ?? [];
  else {
    const o = structuredClone(old);
    hooks.defaults?.(o);
    errs = hooks.validateUpdate?.(copy, o) ?? [];
  }
  return errs.map(render);
}

const pod = (spec: any) => ({ metadata: { name: 'p', namespace: 'default' }, spec });
const c = (extra: any = {}) => ({ name: 'c', image: 'nginx', imagePullPolicy: 'Always', ...extra });

test('Pod validation: the common mistakes', () => {
  const cases: { name: string; spec: any; want: string[] }[] = [
    { name: 'valid', spec: { containers: [c()] }, want: [] },
    { name: 'no containers', spec: { containers: [] }, want: ['spec.containers: Required value'] },
    { name: 'container without name or image', spec: { containers: [{}] }, want: ['spec.containers[0].name: Required value', 'spec.containers[0].image: Required value'] },
    { name: 'duplicate names', spec: { containers: [c(), c()] }, want: ['spec.containers[1].name: Duplicate value: "c"'] },
    {
      name: 'bad restart policy', spec: { restartPolicy: 'Sometimes', containers: [c()] },
      want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"'],
    },
    {
      name: 'port out of range', spec: { containers: [c({ ports: [{ containerPort: 70000 }] })] },
      want: ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    },
    {
      name: 'requests above limits', spec: { containers: [c({ resources: { limits: { cpu: '1' }, requests: { cpu: '2' } } })] },
      want: ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    },
    {
      name: 'memory in binary units', spec: { containers: [c({ resources: { limits: { memory: '1Gi' }, requests: { memory: '1025Mi' } } })] },
      want: ['spec.containers[0].resources.requests: Invalid value: "1025Mi": must be less than or equal to memory limit of 1Gi'],
    },
    {
      name: 'mount of a missing volume', spec: { containers: [c({ volumeMounts: [{ name: 'data', mountPath: '/d' }] })] },
      want: ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    },
    {
      name: 'bad container name', spec: { containers: [c({ name: 'Web_1' })] },
      want: ['spec.containers[0].name: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')'],
    },
    {
      name: 'env var with =', spec: { containers: [c({ env: [{ name: 'A=B', value: 'x' }] })] },
      want: ['spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\''],
    },
    {
      name: 'duplicate volumes', spec: { containers: [c()], volumes: [{ name: 'v' }, { name: 'v' }] },
      want: ['spec.volumes[1].name: Duplicate value: "v"'],
    },
    {
      name: 'probe without handler', spec: { containers: [c({ livenessProbe: { periodSeconds: 3 } })] },
      want: ['spec.containers[0].livenessProbe: Required value: must specify a handler type'],
    },
  ];
  for (const tc of cases) assert.deepEqual(errorsOf('', 'Pod', pod(tc.spec)), tc.want, tc.name);
});

test('Pod update: only images and a few fields may change', () => {
  const old = pod({ containers: [c()] });
  assert.deepEqual(errorsOf('', 'Pod', pod({ containers: [c({ image: 'nginx:2' })] }), old), []);
  assert.deepEqual(errorsOf('', 'Pod', pod({ containers: [c()], activeDeadlineSeconds: 30 }), old), []);
  assert.deepEqual(errorsOf('', 'Pod', pod({ containers: [c()], tolerations: [{ key: 'k', operator: 'Exists' }] }), old), []);
  const changed = errorsOf('', 'Pod', pod({ containers: [c({ ports: [{ containerPort: 80 }] })] }), old);
  assert.equal(changed.length, 1);
  assert.match(changed[0], /^spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,/);
});

test('Service validation', () => {
  const svc = (spec: any) => ({ metadata: { name: 's', namespace: 'default' }, spec });
  const cases: { name: string; spec: any; want: string[] }[] = [
    { name: 'valid', spec: { ports: [{ port: 80 }] }, want: [] },
    { name: 'no ports', spec: {}, want: ['spec.ports: Required value'] },
    { name: 'headless without ports', spec: { clusterIP: 'None' }, want: [] },
    { name: 'port 0', spec: { ports: [{ port: 0, targetPort: 80 }] }, want: ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'] },
    {
      name: 'two ports, names', spec: { ports: [{ port: 80 }, { port: 81, name: 'a' }, { port: 82, name: 'a' }] },
      want: ['spec.ports[0].name: Required value', 'spec.ports[2].name: Duplicate value: "a"'],
    },
    {
      name: 'bad type', spec: { type: 'Magic', ports: [{ port: 80 }] },
      want: ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    },
    { name: 'external name missing', spec: { type: 'ExternalName' }, want: ['spec.externalName: Required value'] },
    {
      name: 'nodePort on ClusterIP', spec: { ports: [{ port: 80, nodePort: 30080 }] },
      want: ['spec.ports[0].nodePort: Forbidden: may not be used when `type` is \'ClusterIP\''],
    },
  ];
  for (const tc of cases) assert.deepEqual(errorsOf('', 'Service', svc(tc.spec)), tc.want, tc.name);
});

test('ConfigMap and Secret keys, immutability, secret types', () => {
  const cm = (data: any, immutable?: boolean) => ({ metadata: { name: 'c', namespace: 'd' }, data, immutable });
  assert.deepEqual(errorsOf('', 'ConfigMap', cm({ 'a.b_c-D': 'x' })), []);
  assert.deepEqual(errorsOf('', 'ConfigMap', cm({ 'bad key': 'x' })), [
    'data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, \'-\', \'_\' or \'.\' (e.g. \'key.name\',  or \'KEY_NAME\',  or \'key-name\', regex used for validation is \'[-._a-zA-Z0-9]+\')',
  ]);
  assert.deepEqual(errorsOf('', 'ConfigMap', cm({ '..a': 'x' })), ['data[..a]: Invalid value: "..a": must not start with \'..\'']);
  assert.deepEqual(errorsOf('', 'ConfigMap', cm({ a: '2' }, true), cm({ a: '1' }, true)), ['data: Forbidden: field is immutable when `immutable` is set']);
  assert.deepEqual(errorsOf('', 'ConfigMap', cm({ a: '1' }, false), cm({ a: '1' }, true)), ['immutable: Forbidden: field is immutable when `immutable` is set']);
  assert.deepEqual(errorsOf('', 'ConfigMap', cm({ a: '2' }), cm({ a: '1' })), []);
  const secret = (type: string, data: any) => ({ metadata: { name: 's', namespace: 'd' }, type, data });
  assert.deepEqual(errorsOf('', 'Secret', secret('kubernetes.io/tls', { 'tls.crt': 'eA==' })), ['data[tls.key]: Required value']);
  assert.deepEqual(errorsOf('', 'Secret', secret('Opaque', {}), secret('kubernetes.io/tls', { 'tls.crt': 'eA==', 'tls.key': 'eA==' })),
    ['type: Invalid value: "Opaque": field is immutable']);
});

test('PersistentVolumeClaim spec is immutable except the storage request', () => {
  const pvc = (storage: string, modes = ['ReadWriteOnce']) => ({
    metadata: { name: 'c', namespace: 'd' }, spec: { accessModes: modes, resources: { requests: { storage } } },
  });
  assert.deepEqual(errorsOf('', 'PersistentVolumeClaim', pvc('1Gi')), []);
  assert.deepEqual(errorsOf('', 'PersistentVolumeClaim', { spec: {} }), [
    'spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value',
  ]);
  assert.deepEqual(errorsOf('', 'PersistentVolumeClaim', pvc('2Gi'), pvc('1Gi')), []);
  assert.deepEqual(errorsOf('', 'PersistentVolumeClaim', pvc('1Gi', ['ReadWriteMany']), pvc('1Gi')), [
    'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
  ]);
});

test('ObjectMeta validation', () => {
  const cases: { meta: any; namespaced: boolean; kind?: 'dns1123Label' | 'dns1035Label' | 'pathSegment'; want: string[] }[] = [
    { meta: { name: 'ok', namespace: 'default' }, namespaced: true, want: [] },
    { meta: { namespace: 'default' }, namespaced: true, want: ['metadata.name: Required value: name or generateName is required'] },
    { meta: { name: 'a' }, namespaced: true, want: ['metadata.namespace: Required value'] },
    { meta: { name: 'a', namespace: 'x' }, namespaced: false, want: ['metadata.namespace: Forbidden: not allowed on this type'] },
    {
      meta: { name: 'Bad', namespace: 'default' }, namespaced: true,
      want: ['metadata.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')'],
    },
    {
      meta: { name: '1svc', namespace: 'default' }, namespaced: true, kind: 'dns1035Label',
      want: ['metadata.name: Invalid value: "1svc": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')'],
    },
    { meta: { name: 'system:admin' }, namespaced: false, kind: 'pathSegment', want: [] },
    { meta: { name: 'a/b' }, namespaced: false, kind: 'pathSegment', want: ['metadata.name: Invalid value: "a/b": may not contain \'/\''] },
    { meta: { name: 'a', generateName: 'web-' }, namespaced: false, want: [] },
    {
      meta: { name: 'a', labels: { 'app': 'bad value!' } }, namespaced: false,
      want: ['metadata.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')'],
    },
    {
      meta: { name: 'a', labels: { '-x': 'v' } }, namespaced: false,
      want: ['metadata.labels: Invalid value: "-x": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')'],
    },
  ];
  for (const tc of cases) assert.deepEqual(validateObjectMeta(tc.meta, tc.namespaced, tc.kind).map(render), tc.want, JSON.stringify(tc.meta));
});
