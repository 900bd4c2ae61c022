// LimitRange end to end with the real kubectl, on a server without nodes:
// the LimitRanger admission fills defaults that `kubectl get -o yaml` shows,
// refuses pods and claims outside the range with upstream's Forbidden
// messages, refuses an inconsistent LimitRange with 422, and `kubectl
// describe limitrange` renders it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { startCluster, destroyCluster } from '../support/cluster.ts';
import type { TestCluster } from '../support/cluster.ts';

const RANGE = `apiVersion: v1
kind: LimitRange
metadata: { name: limits, namespace: lr }
spec:
  limits:
  - type: Container
    default: { cpu: 500m, memory: 256Mi }
    defaultRequest: { cpu: 100m, memory: 128Mi }
    min: { cpu: 50m }
    max: { cpu: "1", memory: 1Gi }
    maxLimitRequestRatio: { cpu: "10" }
  - type: Pod
    max: { memory: 1536Mi }
  - type: PersistentVolumeClaim
    min: { storage: 1Gi }
    max: { storage: 10Gi }
`;

const podYaml = (name: string, resources: string) => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: lr }
spec:
  containers:
  - { name: app, image: registry.local/x:1, resources: ${resources} }
`;

describe('LimitRange (kubectl)', () => {
  let c: TestCluster | undefined;
  before(async () => {
    c = await startCluster();
    await c.k(['create', 'namespace', 'lr']);
    await c.k(['apply', '-f', '-'], { input: RANGE });
  });
  after(async () => { await destroyCluster(c); });

  it('fills defaults into a pod without resources, as get -o yaml shows', async () => {
    await c!.k(['-n', 'lr', 'run', 'plain', '--image=registry.local/x:1', '--restart=Never']);
    const pod = parse(await c!.k(['-n', 'lr', 'get', 'pod', 'plain', '-o', 'yaml']));
    assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    assert.equal(pod.metadata.annotations['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container plain; cpu, memory limit for container plain');
  });

  it('takes the request from a given limit, and fills only what is missing', async () => {
    await c!.k(['apply', '-f', '-'], { input: podYaml('partial', '{ limits: { cpu: 800m } }') });
    const pod = parse(await c!.k(['-n', 'lr', 'get', 'pod', 'partial', '-o', 'yaml']));
    assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '800m', memory: '256Mi' }, requests: { cpu: '800m', memory: '128Mi' } });
    assert.equal(pod.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: memory request for container app; memory limit for container app');
  });

  it('refuses pods outside min, max and ratio with upstream messages', async () => {
    const over = await c!.kubectl(['apply', '-f', '-'], { input: podYaml('big', '{ limits: { cpu: "2", memory: 2Gi } }') });
    assert.notEqual(over.code, 0);
    assert.match(over.stderr, /Error from server \(Forbidden\): error when creating "STDIN": pods "big" is forbidden: \[maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is 2Gi, maximum memory usage per Pod is 1536Mi, but limit is 2Gi\]/);
    const low = await c!.kubectl(['apply', '-f', '-'], { input: podYaml('tiny', '{ requests: { cpu: 20m }, limits: { cpu: 400m } }') });
    assert.match(low.stderr, /pods "tiny" is forbidden: \[minimum cpu usage per Container is 50m, but request is 20m, cpu max limit to request ratio per Container is 10, but provided ratio is 20.000000\]/);
    assert.match((await c!.kubectl(['-n', 'lr', 'get', 'pods', '-o', 'name'])).stdout, /^pod\/partial\npod\/plain\n$/);
  });

  it('bounds PersistentVolumeClaim storage requests', async () => {
    const pvc = (name: string, size: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${name}, namespace: lr }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: ${size} } } }
`;
    const big = await c!.kubectl(['apply', '-f', '-'], { input: pvc('huge', '20Gi') });
    assert.match(big.stderr, /persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi/);
    const small = await c!.kubectl(['apply', '-f', '-'], { input: pvc('crumb', '100Mi') });
    assert.match(small.stderr, /persistentvolumeclaims "crumb" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Mi/);
    await c!.k(['apply', '-f', '-'], { input: pvc('fits', '5Gi') });
  });

  it('refuses an inconsistent LimitRange with 422', async () => {
    const bad = await c!.kubectl(['apply', '-f', '-'], { input: `apiVersion: v1
kind: LimitRange
metadata: { name: bad, namespace: lr }
spec:
  limits:
  - { type: Container, max: { cpu: 500m }, default: { cpu: "1" }, defaultRequest: { cpu: 200m } }
` });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /^The LimitRange "bad" is invalid: spec.limits\[0\].default\[cpu\]: Invalid value: "500m": default value 1 is greater than max value 500m/);
  });

  it('describes a LimitRange', async () => {
    const out = await c!.k(['-n', 'lr', 'describe', 'limitrange', 'limits']);
    assert.match(out, /^Name:\s+limits$/m);
    assert.match(out, /^Namespace:\s+lr$/m);
    assert.match(out, /Type\s+Resource\s+Min\s+Max\s+Default Request\s+Default Limit\s+Max Limit\/Request Ratio/);
    assert.match(out, /^Container\s+cpu\s+50m\s+1\s+100m\s+500m\s+10$/m);
    assert.match(out, /^Container\s+memory\s+-\s+1Gi\s+128Mi\s+256Mi\s+-$/m);
    assert.match(out, /^Pod\s+memory\s+-\s+1536Mi\s+-\s+-\s+-$/m);
    assert.match(out, /^PersistentVolumeClaim\s+storage\s+1Gi\s+10Gi\s+-\s+-\s+-$/m);
  });
});
