import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isEnvVarName, podServices, resolveEnv, serviceEnv } from './env.ts';
import type { EnvInputs } from './env.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const objects: Record<string, any> = {
  'cm/cfg': { data: { MODE: 'fast', 'bad key': 'x', 'dotted.key': 'd', '1digit': 'n' } },
  'secret/creds': { data: { PASSWORD: b64('s3cret'), user: b64('admin') } },
};
const svc = (ns: string, name: string, ip: string, ports: any[]) => ({ metadata: { namespace: ns, name }, spec: { clusterIP: ip, ports } });
const services = [
  svc('default', 'kubernetes', '10.43.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
  svc('prod', 'redis-main', '10.43.0.7', [{ port: 6379 }, { name: 'metrics', port: 9121, protocol: 'UDP' }]),
  svc('prod', 'headless', 'None', [{ port: 80 }]),
  svc('other', 'db', '10.43.0.9', [{ port: 5432 }]),
];
const inputs = (over: Partial<EnvInputs> = {}): EnvInputs => ({
  podIP: '10.0.0.5', hostIP: '192.168.1.2', services, alloc: { cpuMilli: 2000, memoryBytes: 2 ** 30, ephemeralStorageBytes: 0 },
  src: { configMap: async (n) => objects[`cm/${n}`], secret: async (n) => objects[`secret/${n}`] }, ...over,
});
const pod = (spec: any = {}) => ({ metadata: { name: 'p', namespace: 'prod', uid: 'u' }, spec: { containers: [{ name: 'c', resources: { limits: { memory: '64Mi' } } }], ...spec } });
const asObj = (l: { key: string; value: string }[]) => Object.fromEntries(l.map((e) => [e.key, e.value]));

describe('serviceEnv', () => {
  it('host, port, named ports and the docker link variables; headless services get none', () => {
    const env = Object.fromEntries(serviceEnv(services.slice(1, 3)));
    assert.deepEqual(env, {
      REDIS_MAIN_SERVICE_HOST: '10.43.0.7', REDIS_MAIN_SERVICE_PORT: '6379', REDIS_MAIN_SERVICE_PORT_METRICS: '9121',
      REDIS_MAIN_PORT: 'tcp://10.43.0.7:6379',
      REDIS_MAIN_PORT_6379_TCP: 'tcp://10.43.0.7:6379', REDIS_MAIN_PORT_6379_TCP_PROTO: 'tcp', REDIS_MAIN_PORT_6379_TCP_PORT: '6379', REDIS_MAIN_PORT_6379_TCP_ADDR: '10.43.0.7',
      REDIS_MAIN_PORT_9121_UDP: 'udp://10.43.0.7:9121', REDIS_MAIN_PORT_9121_UDP_PROTO: 'udp', REDIS_MAIN_PORT_9121_UDP_PORT: '9121', REDIS_MAIN_PORT_9121_UDP_ADDR: '10.43.0.7',
    });
  });
  it('the pod\'s namespace with enableServiceLinks; kubernetes from default always', () => {
    assert.deepEqual(podServices(pod(), services).map((s) => s.metadata.name).sort(), ['headless', 'kubernetes', 'redis-main']);
    assert.deepEqual(podServices(pod({ enableServiceLinks: false }), services).map((s) => s.metadata.name), ['kubernetes']);
  });
});

describe('resolveEnv', () => {
  it('envFrom with prefix (invalid names skipped), env overriding it, refs, expansion, then service variables', async () => {
    const c = {
      name: 'c', resources: { limits: { memory: '64Mi' } },
      envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'creds' }, prefix: 'S_' }, { configMapRef: { name: 'nope', optional: true } }],
      env: [
        { name: 'MODE', value: 'slow' },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
        { name: 'M', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'missing', optional: true } } },
        { name: 'URL', value: 'redis://$(REDIS_MAIN_SERVICE_HOST):$(REDIS_MAIN_SERVICE_PORT)/$(MODE)/$(UNKNOWN)/$$(MODE)' },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ],
    };
    const env = asObj(await resolveEnv(pod(), c, inputs()));
    assert.equal(env.MODE, 'slow');
    assert.equal(env['dotted.key'], 'd');
    assert.equal(env['bad key'], undefined);
    assert.equal(env['1digit'], undefined);
    assert.equal(env.S_PASSWORD, 's3cret');
    assert.equal(env.S_user, 'admin');
    assert.equal(env.PW, 's3cret');
    assert.equal(env.M, 'fast');
    assert.equal('OPT' in env, false);
    assert.equal(env.URL, 'redis://10.43.0.7:6379/slow/$(UNKNOWN)/$(MODE)');
    assert.equal(env.MEM, '64');
    assert.equal(env.IP, '10.0.0.5');
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.43.0.1');
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.DB_SERVICE_HOST, undefined, 'services of other namespaces stay out');
  });
  it('a variable the pod defines wins over a service variable of the same name', async () => {
    const env = asObj(await resolveEnv(pod(), { name: 'c', env: [{ name: 'KUBERNETES_SERVICE_HOST', value: 'mine' }] }, inputs()));
    assert.equal(env.KUBERNETES_SERVICE_HOST, 'mine');
  });
  const failures: [string, any, string][] = [
    ['missing ConfigMap key', { configMapKeyRef: { name: 'cfg', key: 'k' } }, "couldn't find key k in ConfigMap prod/cfg"],
    ['missing Secret key', { secretKeyRef: { name: 'creds', key: 'k' } }, "couldn't find key k in Secret prod/creds"],
    ['missing ConfigMap', { configMapKeyRef: { name: 'x', key: 'k' } }, 'configmap "x" not found'],
    ['missing Secret', { secretKeyRef: { name: 'x', key: 'k' } }, 'secret "x" not found'],
  ];
  for (const [name, valueFrom, message] of failures) {
    it(name, async () => {
      await assert.rejects(resolveEnv(pod(), { name: 'c', env: [{ name: 'V', valueFrom }] }, inputs()), { message });
    });
  }
  it('a missing envFrom source that is not optional', async () => {
    await assert.rejects(resolveEnv(pod(), { name: 'c', envFrom: [{ secretRef: { name: 'x' } }] }, inputs()), { message: 'secret "x" not found' });
  });
  it('isEnvVarName', () => {
    assert.deepEqual(['A_1', 'a.b-c', '_x', '1a', 'a b', ''].map(isEnvVarName), [true, true, true, false, false, false]);
  });
});
