import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobuf } from './decode.ts';
import { decodeBody } from '../codec.ts';
import { StatusError } from '../../machinery/errors.ts';

// A tiny encoder, independent of the decoder and its table: field numbers
// below are written from upstream's generated.proto files by hand.
type Value = number | bigint | boolean | string | Uint8Array | Field[];
type Field = [number, Value];

function varint(v: bigint): number[] {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    const b = Number(u & 0x7fn);
    u >>= 7n;
    out.push(u > 0n ? b | 0x80 : b);
  } while (u > 0n);
  return out;
}

function enc(fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const [num, v] of fields) {
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
      out.push(...varint(BigInt(num << 3)), ...varint(BigInt(typeof v === 'boolean' ? Number(v) : v)));
      continue;
    }
    const bytes = typeof v === 'string' ? new TextEncoder().encode(v) : v instanceof Uint8Array ? v : enc(v);
    out.push(...varint(BigInt((num << 3) | 2)), ...varint(BigInt(bytes.length)), ...bytes);
  }
  return Uint8Array.from(out);
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
function body(apiVersion: string, kind: string, obj: Field[]): Buffer {
  return Buffer.from([...MAGIC, ...enc([[1, [[1, apiVersion], [2, kind]]], [2, enc(obj)]])]);
}

const entry = (k: string, v: Value): Value => [[1, k], [2, v]];
const T = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** ObjectMeta as go-to-protobuf writes it: every non-pointer field, zero or not. */
function meta(name: string, extra: Field[] = [], namespace = ''): Field[] {
  return [[1, name], [2, ''], [3, namespace], [4, ''], [5, ''], [6, ''], [7, 0], [8, new Uint8Array(0)], ...extra];
}

const POD_TEMPLATE: Field[] = [
  [1, meta('', [[11, entry('app', 'd')]])],
  [2, [
    [2, [
      [1, 'nginx'], [2, 'nginx:1.27'], [5, ''],
      [6, [[1, 'http'], [2, 0], [3, 80], [4, 'TCP'], [5, '']]],
      [7, [[1, 'MODE'], [2, 'fast']]],
      [8, [[1, entry('memory', [[1, '128Mi']])], [2, entry('cpu', [[1, '250m']])]]],
    ]],
    [3, 'Always'],
    [4, 30n],
    [14, [[4, 1000], [4, 2000], [5, 3000]]],
  ]],
];

const DECODED_POD_TEMPLATE = {
  metadata: { labels: { app: 'd' } },
  spec: {
    containers: [{
      name: 'nginx', image: 'nginx:1.27',
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
      env: [{ name: 'MODE', value: 'fast' }],
      resources: { limits: { memory: '128Mi' }, requests: { cpu: '250m' } },
    }],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    securityContext: { supplementalGroups: [1000, 2000], fsGroup: 3000 },
  },
};

const CASES: { name: string; body: Buffer; want: unknown }[] = [
  {
    name: 'Namespace: zero metadata fields and empty spec/status as kubectl sends them',
    body: body('v1', 'Namespace', [[1, meta('x')], [2, []], [3, []]]),
    want: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' }, spec: {}, status: {} },
  },
  {
    name: 'ConfigMap: data, binaryData (base64) and immutable false (a pointer present on the wire)',
    body: body('v1', 'ConfigMap', [[1, meta('c', [], 'ns')], [2, entry('a', 'b')], [2, entry('empty', '')],
      [3, entry('bin', Uint8Array.of(0, 1, 255))], [4, false]]),
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' },
      data: { a: 'b', empty: '' }, binaryData: { bin: 'AAH/' }, immutable: false },
  },
  {
    name: 'Secret: data bytes, type',
    body: body('v1', 'Secret', [[1, meta('s')], [2, entry('p', 'q')], [3, 'Opaque']]),
    want: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: 'cQ==' }, type: 'Opaque' },
  },
  {
    name: 'Deployment: replicas 0, pod template, IntOrString as string and as int, unknown fields skipped',
    body: body('apps/v1', 'Deployment', [
      [1, meta('d', [[11, entry('app', 'd')], [12, entry('note', 'hi')], [999, 'ignored']])],
      [2, [
        [1, 0], [2, [[1, entry('app', 'd')]]], [3, POD_TEMPLATE],
        [4, [[1, 'RollingUpdate'], [2, [[1, [[1, 0], [2, 1], [3, '']]], [2, [[1, 1], [2, 0], [3, '25%']]]]]]],
        [5, 0], [7, false], [77, 5],
      ]],
      [3, []],
    ]),
    want: {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' }, annotations: { note: 'hi' } },
      spec: {
        replicas: 0, selector: { matchLabels: { app: 'd' } }, template: DECODED_POD_TEMPLATE,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
      },
      status: {},
    },
  },
  {
    name: 'Service: ports with int and named targetPort; port written even when non-omitempty',
    body: body('v1', 'Service', [[1, meta('s')], [2, [
      [1, [[1, '80-8080'], [2, 'TCP'], [3, 80], [4, [[1, 0], [2, 8080], [3, '']]], [5, 0]]],
      [1, [[1, 'web'], [2, 'TCP'], [3, 443], [4, [[1, 1], [2, 0], [3, 'https']]], [5, 0]]],
      [2, entry('app', 's')], [3, ''], [4, 'ClusterIP'],
    ]], [3, [[1, []]]]]),
    want: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {
      ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }, { name: 'web', protocol: 'TCP', port: 443, targetPort: 'https' }],
      selector: { app: 's' }, type: 'ClusterIP',
    }, status: { loadBalancer: {} } },
  },
  {
    name: 'Job: template, backoffLimit, suspend false present',
    body: body('batch/v1', 'Job', [[1, meta('j')], [2, [[6, POD_TEMPLATE], [7, 6], [10, false]]], [3, []]]),
    want: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' },
      spec: { template: DECODED_POD_TEMPLATE, backoffLimit: 6, suspend: false }, status: {} },
  },
  {
    name: 'CronJob: schedule (no omitempty) and jobTemplate',
    body: body('batch/v1', 'CronJob', [[1, meta('cj')], [2, [[1, '*/1 * * * *'], [5, [[1, meta('cj')], [2, [[6, POD_TEMPLATE]]]]]]], [3, []]]),
    want: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' },
      spec: { schedule: '*/1 * * * *', jobTemplate: { metadata: { name: 'cj' }, spec: { template: DECODED_POD_TEMPLATE } } }, status: {} },
  },
  {
    name: 'SelfSubjectAccessReview: resource attributes; status.allowed has no omitempty',
    body: body('authorization.k8s.io/v1', 'SelfSubjectAccessReview', [[1, meta('')], [2, [[1, [
      [1, 'default'], [2, 'create'], [3, ''], [4, ''], [5, 'pods'], [6, ''], [7, ''],
    ]]]], [3, [[1, false], [4, false], [2, ''], [3, '']]]]),
    want: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } }, status: { allowed: false } },
  },
  {
    name: 'SubjectAccessReview: extra is a map of string lists (ExtraValue wrapper)',
    body: body('authorization.k8s.io/v1', 'SubjectAccessReview', [[1, meta('')], [2, [
      [3, 'alice'], [4, 'dev'], [4, 'ops'], [5, entry('scopes', [[1, 'a'], [1, 'b']])], [6, ''],
    ]]]),
    want: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {},
      spec: { user: 'alice', groups: ['dev', 'ops'], extra: { scopes: ['a', 'b'] } } },
  },
  {
    name: 'DeleteOptions under any group version: pointer zero gracePeriodSeconds, propagationPolicy, dryRun',
    body: body('apps/v1', 'DeleteOptions', [[1, 0], [4, 'Foreground'], [5, 'All']]),
    want: { apiVersion: 'apps/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', dryRun: ['All'] },
  },
  {
    name: 'Eviction with deleteOptions',
    body: body('policy/v1', 'Eviction', [[1, meta('p', [], 'ns')], [2, [[1, 5]]]]),
    want: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'ns' }, deleteOptions: { gracePeriodSeconds: 5 } },
  },
  {
    name: 'metadata: creationTimestamp, deletionTimestamp, ownerReferences, managedFields with FieldsV1',
    body: body('v1', 'ConfigMap', [[1, meta('m', [
      [8, [[1, T('2024-01-02T03:04:05Z')], [2, 999]]], [9, [[1, T('2024-02-03T04:05:06Z')]]], [10, 0],
      [13, [[5, 'apps/v1'], [1, 'Deployment'], [3, 'd'], [4, 'u-1'], [6, true]]],
      [14, 'f1'],
      [17, [[1, 'kubectl'], [2, 'Update'], [3, 'v1'], [4, [[1, T('2024-01-02T03:04:05Z')]]], [6, 'FieldsV1'], [7, [[1, '{"f:data":{}}']]]]],
    ])]]),
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {
      name: 'm', creationTimestamp: '2024-01-02T03:04:05Z', deletionTimestamp: '2024-02-03T04:05:06Z', deletionGracePeriodSeconds: 0,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u-1', controller: true }],
      finalizers: ['f1'],
      managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2024-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
    } },
  },
  {
    name: 'Lease: MicroTime keeps microseconds',
    body: body('coordination.k8s.io/v1', 'Lease', [[1, meta('l')], [2, [[1, 'me'], [2, 15], [4, [[1, T('2024-01-02T03:04:05Z')], [2, 123456789]]]]]]),
    want: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' },
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: '2024-01-02T03:04:05.123456Z' } },
  },
  {
    name: 'PriorityClass: negative int32 (10-byte varint), globalDefault false omitted',
    body: body('scheduling.k8s.io/v1', 'PriorityClass', [[1, meta('pc')], [2, -5], [3, false], [4, 'x']]),
    want: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'pc' }, value: -5, description: 'x' },
  },
  {
    name: 'ControllerRevision: RawExtension holds JSON; int64 revision',
    body: body('apps/v1', 'ControllerRevision', [[1, meta('cr')], [2, [[1, '{"spec":{"x":[1,2]}}']]], [3, 4_000_000_000n]]),
    want: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'cr' }, data: { spec: { x: [1, 2] } }, revision: 4_000_000_000 },
  },
  {
    name: 'Volume: inline VolumeSource fields land in the volume object',
    body: body('v1', 'Pod', [[1, meta('p')], [2, [[1, [[1, 'cache'], [2, [[2, [[1, 'Memory'], [2, [[1, '1Gi']]]]]]]]], [2, [[1, 'c'], [2, 'busybox']]]]]]),
    want: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
      spec: { volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }], containers: [{ name: 'c', image: 'busybox' }] } },
  },
];

for (const c of CASES) {
  test(`decodes ${c.name}`, () => {
    assert.deepStrictEqual(decodeProtobuf(c.body), c.want);
  });
}

test('decodeBody routes application/vnd.kubernetes.protobuf to the protobuf decoder', () => {
  assert.deepStrictEqual(decodeBody(CASES[0].body, 'application/vnd.kubernetes.protobuf'), CASES[0].want);
});

test('packed and unpacked repeated numbers decode alike', () => {
  const packed = Uint8Array.from([...varint(1000n), ...varint(2000n)]);
  const b = body('v1', 'Pod', [[1, meta('p')], [2, [[14, [[4, packed], [4, 3000]]]]]]);
  const spec = decodeProtobuf(b).spec as { securityContext: unknown };
  assert.deepStrictEqual(spec.securityContext, { supplementalGroups: [1000, 2000, 3000] });
});

const BAD: { name: string; body: Buffer; message: RegExp }[] = [
  { name: 'empty body', body: Buffer.alloc(0), message: /expected prefix \[107 56 115 0\]/ },
  { name: 'JSON sent as protobuf', body: Buffer.from('{"kind":"Namespace"}'), message: /does not appear to be a protobuf message/ },
  { name: 'truncated varint', body: Buffer.from([...MAGIC, 0x0a, 0x80]), message: /unexpected EOF/ },
  { name: 'length past the end', body: Buffer.from([...MAGIC, 0x12, 0x05, 0x01]), message: /unexpected EOF/ },
  { name: 'unknown kind', body: body('v1', 'Frobnicator', []), message: /no kind "Frobnicator" is registered for version "v1"/ },
  { name: 'known kind at an unserved version', body: body('apps/v1beta1', 'Deployment', []), message: /no kind "Deployment" is registered for version "apps\/v1beta1"/ },
  { name: 'missing kind', body: Buffer.from([...MAGIC, ...enc([[2, enc([])]])]), message: /'Kind' is missing/ },
  { name: 'wrong wire type for a known field', body: body('v1', 'Namespace', [[1, 7]]), message: /wrong wireType = 0 for field metadata/ },
  { name: 'field number zero', body: Buffer.from([...MAGIC, 0x02, 0x00]), message: /illegal tag 0/ },
  { name: 'embedded raw object that is not JSON', body: body('apps/v1', 'ControllerRevision', [[2, [[1, '{nope']]]]), message: /embedded raw object is not valid JSON/ },
  { name: 'content encoding', body: Buffer.from([...MAGIC, ...enc([[1, [[1, 'v1'], [2, 'Namespace']]], [3, 'gzip']])]), message: /unsupported contentEncoding "gzip"/ },
];

for (const c of BAD) {
  test(`rejects ${c.name} with 400 BadRequest`, () => {
    assert.throws(() => decodeProtobuf(c.body), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.status.code, 400);
      assert.equal(err.status.reason, 'BadRequest');
      assert.match(err.status.message ?? '', c.message);
      return true;
    });
  });
}
