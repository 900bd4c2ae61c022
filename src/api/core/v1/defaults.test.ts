import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hooksFor } from '../../hooks.ts';
import { imageTag } from './pod-defaults.ts';

function defaulted(kind: string, obj: any): any {
  const copy = structuredClone(obj);
  hooksFor('', 'v1', kind).defaults?.(copy);
  return copy;
}

const expectedContainer = {
  name: 'c', image: 'nginx', imagePullPolicy: 'Always', resources: {},
  terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
};

test('a minimal Pod gets upstream defaults', () => {
  const pod = defaulted('Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  assert.deepEqual(pod.spec, {
    containers: [expectedContainer],
    dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30,
    schedulerName: 'default-scheduler', enableServiceLinks: true,
  });
});

test('image pull policy follows the tag', () => {
  const cases: [string, string, string][] = [
    ['nginx', 'latest', 'Always'],
    ['nginx:latest', 'latest', 'Always'],
    ['nginx:1.25', '1.25', 'IfNotPresent'],
    ['localhost:5000/app', 'latest', 'Always'],
    ['localhost:5000/app:v2', 'v2', 'IfNotPresent'],
    ['busybox@sha256:abcd', '', 'IfNotPresent'],
    ['busybox:1.36@sha256:abcd', '1.36', 'IfNotPresent'],
  ];
  for (const [image, tag, policy] of cases) {
    assert.equal(imageTag(image), tag, image);
    const pod = defaulted('Pod', { spec: { containers: [{ name: 'c', image }] } });
    assert.equal(pod.spec.containers[0].imagePullPolicy, policy, image);
  }
});

test('container details: ports, probes, env, resources, host network', () => {
  const pod = defaulted('Pod', {
    spec: {
      hostNetwork: true,
      containers: [{
        name: 'c', image: 'x:1', imagePullPolicy: 'Never',
        ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP', hostPort: 1053 }],
        livenessProbe: { httpGet: { port: 80 } },
        readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
        lifecycle: { preStop: { httpGet: { port: 8080, path: '/stop' } } },
        env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'M', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } }],
        resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
      }],
    },
  });
  const c = pod.spec.containers[0];
  assert.equal(c.imagePullPolicy, 'Never');
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP', hostPort: 80 }, { containerPort: 53, protocol: 'UDP', hostPort: 1053 }]);
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3,
  });
  assert.equal(c.readinessProbe.periodSeconds, 5);
  assert.deepEqual(c.lifecycle.preStop.httpGet, { port: 8080, path: '/stop', scheme: 'HTTP' });
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.equal(c.env[1].valueFrom.resourceFieldRef.divisor, '0');
  assert.deepEqual(c.resources.requests, { cpu: '500m', memory: '1Gi' });
});

test('volumes get their source defaults', () => {
  const pod = defaulted('Pod', {
    spec: {
      containers: [], volumes: [
        { name: 'a' },
        { name: 'b', configMap: { name: 'cm' } },
        { name: 'c', secret: { secretName: 's', defaultMode: 256 } },
        { name: 'd', hostPath: { path: '/tmp' } },
        { name: 'e', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        { name: 'f', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } } },
      ],
    },
  });
  assert.deepEqual(pod.spec.volumes, [
    { name: 'a', emptyDir: {} },
    { name: 'b', configMap: { name: 'cm', defaultMode: 420 } },
    { name: 'c', secret: { secretName: 's', defaultMode: 256 } },
    { name: 'd', hostPath: { path: '/tmp', type: '' } },
    { name: 'e', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } },
    { name: 'f', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' } } } },
  ]);
});

test('serviceAccount mirrors serviceAccountName', () => {
  assert.equal(defaulted('Pod', { spec: { serviceAccountName: 'sa' } }).spec.serviceAccount, 'sa');
  assert.equal(defaulted('Pod', { spec: { serviceAccount: 'old' } }).spec.serviceAccountName, 'old');
});

test('pod templates do not get Pod-only defaults', () => {
  const pt = defaulted('PodTemplate', {
    template: { spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1' } } }] } },
  });
  assert.equal(pt.template.spec.enableServiceLinks, undefined);
  assert.equal(pt.template.spec.containers[0].resources.requests, undefined);
  assert.equal(pt.template.spec.dnsPolicy, 'ClusterFirst');
});

test('Service defaults by type', () => {
  const cases: { name: string; spec: any; want: any }[] = [
    {
      name: 'ClusterIP',
      spec: { ports: [{ port: 80 }], selector: { app: 'a' } },
      want: {
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], selector: { app: 'a' }, sessionAffinity: 'None', type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'LoadBalancer with ClientIP affinity',
      spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 443, targetPort: 'https' }] },
      want: {
        type: 'LoadBalancer', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ports: [{ port: 443, targetPort: 'https', protocol: 'TCP' }], externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true, ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'ExternalName',
      spec: { type: 'ExternalName', externalName: 'example.com' },
      want: { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' },
    },
    {
      name: 'headless without selector',
      spec: { clusterIP: 'None' },
      want: {
        clusterIP: 'None', sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4'],
      },
    },
  ];
  for (const c of cases) assert.deepEqual(defaulted('Service', { spec: c.spec }).spec, c.want, c.name);
});

test('Namespace, Secret, PV, PVC, Node, RC, LimitRange, Endpoints', () => {
  const ns = defaulted('Namespace', { metadata: { name: 'team' } });
  assert.deepEqual(ns, {
    metadata: { name: 'team', labels: { 'kubernetes.io/metadata.name': 'team' } },
    spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' },
  });
  assert.equal(defaulted('Secret', {}).type, 'Opaque');
  assert.equal(defaulted('Secret', { type: 'kubernetes.io/tls' }).type, 'kubernetes.io/tls');
  assert.deepEqual(defaulted('PersistentVolume', { spec: { hostPath: { path: '/d' } } }), {
    spec: { hostPath: { path: '/d', type: '' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  });
  assert.deepEqual(defaulted('PersistentVolumeClaim', { spec: {} }), { spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  assert.deepEqual(defaulted('Node', { status: { capacity: { cpu: '4' } } }).status.allocatable, { cpu: '4' });
  const rc = defaulted('ReplicationController', { spec: { template: { metadata: { labels: { app: 'a' } }, spec: { containers: [] } } } });
  assert.deepEqual(rc.spec.selector, { app: 'a' });
  assert.deepEqual(rc.metadata.labels, { app: 'a' });
  assert.equal(rc.spec.replicas, 1);
  assert.equal(rc.spec.template.spec.restartPolicy, 'Always');
  const lr = defaulted('LimitRange', { spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '1Mi' } }, { type: 'Pod', max: { cpu: '4' } }] } });
  assert.deepEqual(lr.spec.limits, [
    { type: 'Container', max: { cpu: '2' }, min: { memory: '1Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '1Mi' } },
    { type: 'Pod', max: { cpu: '4' } },
  ]);
  const ep = defaulted('Endpoints', { subsets: [{ ports: [{ port: 80 }] }] });
  assert.equal(ep.subsets[0].ports[0].protocol, 'TCP');
});

test('container quantities are stored in canonical form; malformed ones are left for validation', () => {
  const pod = defaulted('Pod', { spec: { containers: [{ name: 'c', image: 'i', resources: {
    limits: { cpu: 0.5, memory: '1024Mi' }, requests: { cpu: '1000m', memory: 'lots' },
  } }] } });
  assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '1', memory: 'lots' } });
});
