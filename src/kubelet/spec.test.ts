import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expand, containerEnv, containerConfig, sandboxConfig } from './spec.ts';

describe('expand ($(VAR) references)', () => {
  const vars = new Map([['A', 'x'], ['B', 'y']]);
  const cases: [string, string][] = [
    ['$(A)', 'x'], ['$(A)-$(B)', 'x-y'], ['$$(A)', '$(A)'], ['$(MISSING)', '$(MISSING)'], ['plain', 'plain'], ['$A', '$A'], ['$$$(B)', '$y'],
  ];
  for (const [input, want] of cases) it(`${input} → ${want}`, () => assert.equal(expand(input, vars), want));
});

const pod = {
  metadata: { name: 'web', namespace: 'prod', uid: 'u-1', labels: { app: 'web' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'img', ports: [{ containerPort: 80, hostPort: 8080 }] }] },
};

describe('containerEnv', () => {
  it('values, references to earlier entries, and field refs', () => {
    const c = { env: [
      { name: 'A', value: 'one' }, { name: 'B', value: '$(A)-two' },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
    ] };
    assert.deepEqual(containerEnv(pod, c, '10.0.0.9', '192.168.0.1'), [
      { key: 'A', value: 'one' }, { key: 'B', value: 'one-two' }, { key: 'POD', value: 'web' }, { key: 'IP', value: '10.0.0.9' }, { key: 'APP', value: 'web' }]);
  });
});

describe('CRI configs', () => {
  it('sandbox: labels, ports, cgroup parent, hostname, log dir', () => {
    const s = sandboxConfig(pod, 1, { logRoot: '/r/logs', cgroupRoot: '/k8ts/n1', clusterDomain: 'cluster.local' });
    assert.deepEqual(s.metadata, { name: 'web', uid: 'u-1', namespace: 'prod', attempt: 1 });
    assert.equal(s.hostname, 'web');
    assert.equal(s.logDirectory, '/r/logs/prod_web_u-1');
    assert.equal(s.linux.cgroupParent, '/k8ts/n1/kubepods/besteffort/podu-1');
    assert.deepEqual(s.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }]);
    assert.equal(s.labels['io.kubernetes.pod.uid'], 'u-1');
    assert.equal(s.labels.app, 'web');
    assert.equal(s.dnsConfig, undefined);
  });
  it('sandbox: cluster DNS for ClusterFirst', () => {
    const s = sandboxConfig(pod, 0, { logRoot: '/r', cgroupRoot: '/k', clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', resolvConf: '/nonexistent/resolv.conf' });
    assert.deepEqual(s.dnsConfig, { servers: ['10.43.0.10'], searches: ['prod.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] });
  });
  it('container: command and args expanded, resources, labels, log path', () => {
    const c = { name: 'c', image: 'img', command: ['sh', '-c'], args: ['echo $(MSG)'], env: [{ name: 'MSG', value: 'hi' }], workingDir: '/tmp',
      resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '64Mi' } } };
    const cfg = containerConfig(pod, c, 2, 'sha256:abc', '10.0.0.9', '192.168.0.1');
    assert.deepEqual(cfg.metadata, { name: 'c', attempt: 2 });
    assert.deepEqual(cfg.image, { image: 'sha256:abc', userSpecifiedImage: 'img' });
    assert.deepEqual(cfg.args, ['echo hi']);
    assert.equal(cfg.workingDir, '/tmp');
    assert.equal(cfg.logPath, 'c/2.log');
    assert.deepEqual(cfg.linux.resources, { cpuShares: 256, cpuPeriod: 100000, cpuQuota: 50000, memoryLimitInBytes: 67108864 });
    assert.equal(cfg.labels['io.kubernetes.container.name'], 'c');
    assert.equal(cfg.annotations['io.kubernetes.container.restartCount'], '2');
  });
});
