import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubeletStreamPath, streamContainer, upgradeHead } from './pod-stream.ts';

const pod = (containers: string[], inits: string[] = []) => ({
  metadata: { name: 'web', namespace: 'my ns' },
  spec: { containers: containers.map((name) => ({ name })), initContainers: inits.map((name) => ({ name })) },
});

describe('streamContainer', () => {
  const cases: [string, any, string, { ok: string } | { err: string }][] = [
    ['defaults to the only container', pod(['a']), '', { ok: 'a' }],
    ['takes a named container', pod(['a', 'b']), 'b', { ok: 'b' }],
    ['takes an init container', pod(['a'], ['setup']), 'setup', { ok: 'setup' }],
    ['refuses an unknown container', pod(['a']), 'nope', { err: 'container nope is not valid for pod web' }],
    ['needs a name among several', pod(['a', 'b']), '', { err: 'a container name must be specified for pod web, choose one of: [a b]' }],
    ['names the init containers too', pod(['a', 'b'], ['i']), '', { err: 'a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i]' }],
    ['needs a name without containers', pod([]), '', { err: 'a container name must be specified for pod web' }],
  ];
  for (const [what, p, name, want] of cases) {
    it(what, () => {
      if ('ok' in want) return assert.equal(streamContainer(p, name), want.ok);
      assert.throws(() => streamContainer(p, name), (err: any) => err.status.code === 400 && err.status.reason === 'BadRequest' && err.status.message === want.err);
    });
  }
});

describe('kubeletStreamPath', () => {
  const cases: [string, string, string][] = [
    ['exec', 'command=echo&command=a+b&stdout=true&stderr=true', '/exec/my%20ns/web/a?command=echo&command=a+b&output=1&error=1'],
    ['exec', 'container=a&command=cat&stdin=1&stdout=true&tty=true', '/exec/my%20ns/web/a?command=cat&input=1&output=1&tty=1'],
    ['attach', 'stdout=true&stderr=false&command=ignored', '/attach/my%20ns/web/a?output=1'],
    ['portforward', 'ports=8080&ports=80,81', '/portForward/my%20ns/web?port=8080&port=80&port=81'],
    ['portforward', '', '/portForward/my%20ns/web'],
  ];
  for (const [sub, q, want] of cases) it(`${sub}?${q}`, () => assert.equal(kubeletStreamPath(sub, pod(['a']), new URLSearchParams(q)), want));

  it('refuses bad booleans and ports as upstream decodes them', () => {
    assert.throws(() => kubeletStreamPath('exec', pod(['a']), new URLSearchParams('stdout=yes')), /strconv.ParseBool: parsing "yes": invalid syntax/);
    assert.throws(() => kubeletStreamPath('portforward', pod(['a']), new URLSearchParams('ports=http')), /invalid port "http"/);
  });
});

it('upgradeHead forwards the negotiation headers and not the credentials', () => {
  const head = upgradeHead('GET', ['Host', '127.0.0.1:6443', 'Authorization', 'Bearer t', 'Sec-WebSocket-Protocol', 'v5.channel.k8s.io', 'Impersonate-Group', 'g', 'Upgrade', 'websocket'],
    '10.0.0.1:10250', '/exec/ns/web/a?output=1');
  assert.equal(head, 'GET /exec/ns/web/a?output=1 HTTP/1.1\r\nHost: 10.0.0.1:10250\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\nUpgrade: websocket\r\n\r\n');
});
