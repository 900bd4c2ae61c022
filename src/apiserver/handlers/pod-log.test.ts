import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseContainer, kubeletEndpoint, kubeletError, kubeletLogQuery } from './pod-log.ts';

const pod = (containers: string[], inits: string[] = []) => ({
  metadata: { name: 'p' }, spec: { containers: containers.map((name) => ({ name })), initContainers: inits.map((name) => ({ name })) },
});

describe('pods/log', () => {
  const choose: { name: string; pod: any; container: string; want?: string; error?: string }[] = [
    { name: 'the only container', pod: pod(['c']), container: '', want: 'c' },
    { name: 'a named container', pod: pod(['a', 'b']), container: 'b', want: 'b' },
    { name: 'an init container', pod: pod(['a'], ['i']), container: 'i', want: 'i' },
    { name: 'an unknown container', pod: pod(['a']), container: 'x', error: 'container x is not valid for pod p' },
    { name: 'no name with several', pod: pod(['a', 'b'], ['i']), container: '', error: 'a container name must be specified for pod p, choose one of: [i a b]' },
  ];
  for (const c of choose) {
    it(`chooses ${c.name}`, () => {
      if (c.want) return assert.equal(chooseContainer(c.pod, c.container), c.want);
      assert.throws(() => chooseContainer(c.pod, c.container), (e: any) => e.status.code === 400 && e.status.reason === 'BadRequest' && e.message === c.error);
    });
  }

  it('passes the options on as upstream encodes them', () => {
    const q = kubeletLogQuery(new URLSearchParams('container=c&follow=true&timestamps=1&tailLines=3&limitBytes=10&sinceTime=2024-05-01T10:00:00.5Z&previous=false'), 'p');
    assert.equal(q.toString(), 'follow=true&timestamps=true&sinceTime=2024-05-01T10%3A00%3A00Z&tailLines=3&limitBytes=10');
    assert.equal(kubeletLogQuery(new URLSearchParams('sinceSeconds=5'), 'p').toString(), 'sinceSeconds=5');
  });

  const invalid: [string, string][] = [
    ['tailLines=-1', 'PodLogOptions "p" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0'],
    ['limitBytes=0', 'PodLogOptions "p" is invalid: limitBytes: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=0', 'PodLogOptions "p" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=1&sinceTime=2024-05-01T10:00:00Z', 'PodLogOptions "p" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified'],
  ];
  for (const [query, message] of invalid) {
    it(`rejects ${query} as Invalid`, () => {
      assert.throws(() => kubeletLogQuery(new URLSearchParams(query), 'p'), (e: any) => e.status.code === 422 && e.message === message);
    });
  }

  it('finds the kubelet at the InternalIP and the advertised port', () => {
    const node = { status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.5' }], daemonEndpoints: { kubeletEndpoint: { Port: 10255 } } } };
    assert.deepEqual(kubeletEndpoint(node), { host: '10.0.0.5', port: 10255 });
    assert.deepEqual(kubeletEndpoint({ status: { addresses: [{ type: 'InternalIP', address: '10.0.0.6' }] } }), { host: '10.0.0.6', port: 10250 });
    assert.equal(kubeletEndpoint({ status: {} }), undefined);
  });

  const errors: { code: number; body: string; reason: string; message: string }[] = [
    { code: 400, body: 'previous terminated container "c" in pod "p" not found', reason: 'BadRequest', message: 'previous terminated container "c" in pod "p" not found' },
    { code: 500, body: 'boom', reason: 'InternalError', message: 'Internal error occurred: boom' },
    { code: 404, body: 'pod "p" does not exist', reason: 'NotFound', message: 'the server could not find the requested resource ( pods/log p)' },
    { code: 401, body: 'Unauthorized', reason: 'Unauthorized', message: 'the server has asked for the client to provide credentials ( pods/log p)' },
  ];
  for (const e of errors) {
    it(`maps a kubelet ${e.code} to ${e.reason}`, () => {
      const err = kubeletError(e.code, e.body, 'p');
      assert.equal(err.status.code, e.code);
      assert.equal(err.status.reason, e.reason);
      assert.equal(err.status.message, e.message);
    });
  }
});
