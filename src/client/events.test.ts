import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecorder, MAX_QUEUED_EVENTS } from './events.ts';
import type { Client } from './rest.ts';

interface Call { verb: 'create' | 'patch'; name: string; body: any }

function fakeClient(opts: { failCreates?: boolean } = {}): { client: Client; calls: Call[]; idle: () => Promise<void> } {
  const calls: Call[] = [];
  const stored = new Set<string>();
  const client = {
    async create(_r: unknown, _ns: string, obj: any) {
      if (opts.failCreates) throw new Error('boom');
      calls.push({ verb: 'create', name: obj.metadata.name, body: obj });
      stored.add(obj.metadata.name);
      return obj;
    },
    async patch(_r: unknown, _ns: string, name: string, body: any) {
      if (!stored.has(name)) throw Object.assign(new Error('not found'), { status: { code: 404 } });
      calls.push({ verb: 'patch', name, body });
      return body;
    },
  } as unknown as Client;
  // The recorder writes on a promise chain: let it drain.
  const idle = async () => { for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r)); };
  return { client, calls, idle };
}

const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { namespace: 'ns', name: 'web', uid: 'u1' } };

test('a repeated event bumps the count of the Event already written', async () => {
  const { client, calls, idle } = fakeClient();
  const rec = createRecorder(client, 'replicaset-controller');
  rec.event(rs, 'Warning', 'FailedCreate', 'quota');
  rec.event(rs, 'Warning', 'FailedCreate', 'quota');
  await idle();
  assert.deepEqual(calls.map((c) => c.verb), ['create', 'patch']);
  assert.equal(calls[1].name, calls[0].name);
  assert.equal(calls[1].body.count, 2);
});

test('as upstream: 9 distinct messages, then one combined Event bumped, and at most 25 writes per object', async () => {
  const { client, calls, idle } = fakeClient();
  const t = new Date('2026-01-01T00:00:00Z');
  const rec = createRecorder(client, 'replicaset-controller', { now: () => t });
  for (let i = 0; i < 30; i++) rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: web-${i}`);
  await idle();
  const creates = calls.filter((c) => c.verb === 'create');
  assert.equal(creates.length, 10);
  assert.deepEqual(creates.slice(0, 9).map((c) => c.body.message), Array.from({ length: 9 }, (_, i) => `Created pod: web-${i}`));
  assert.equal(creates[9].body.message, '(combined from similar events): Created pod: web-9');
  const patches = calls.filter((c) => c.verb === 'patch');
  assert.equal(patches.length, 15);
  assert.ok(patches.every((p) => p.name === creates[9].name));
  assert.deepEqual(patches.at(-1)!.body, { count: 16, lastTimestamp: '2026-01-01T00:00:00Z', message: '(combined from similar events): Created pod: web-24' });
  // Another object has its own budget.
  rec.event({ ...rs, metadata: { ...rs.metadata, name: 'api', uid: 'u2' } }, 'Normal', 'SuccessfulCreate', 'Created pod: api-0');
  await idle();
  assert.equal(calls.length, 26);
});

test('the spam budget refills one event per 5 minutes', async () => {
  const { client, calls, idle } = fakeClient();
  let t = Date.parse('2026-01-01T00:00:00Z');
  const rec = createRecorder(client, 'kubelet', { now: () => new Date(t) });
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns', name: 'p', uid: 'u' } };
  for (let i = 0; i < 26; i++) rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await idle();
  assert.equal(calls.length, 25);
  t += 300_000;
  rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await idle();
  assert.equal(calls.length, 26);
  // The held-back occurrence still counted.
  assert.equal(calls[25].body.count, 27);
});

test('events beyond the queue limit are dropped, and written events keep going', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const created: string[] = [];
  const client = {
    async create(_r: unknown, _ns: string, obj: any) { await gate; created.push(obj.involvedObject.name); return obj; },
    async patch() { throw new Error('unused'); },
  } as unknown as Client;
  const logs: string[] = [];
  const rec = createRecorder(client, 'scheduler', { log: (m) => logs.push(m) });
  for (let i = 0; i < MAX_QUEUED_EVENTS + 5; i++) {
    rec.event({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns', name: `p${i}`, uid: `u${i}` } }, 'Normal', 'Scheduled', 'ok');
  }
  release();
  for (let i = 0; i < 50 && created.length < MAX_QUEUED_EVENTS; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(created.length, MAX_QUEUED_EVENTS);
  assert.equal(created.at(-1), `p${MAX_QUEUED_EVENTS - 1}`);
  assert.deepEqual(logs, ['event dropped: too many events waiting to be written']);
  rec.event({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns', name: 'late', uid: 'ul' } }, 'Normal', 'Scheduled', 'ok');
  for (let i = 0; i < 50 && created.at(-1) !== 'late'; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(created.at(-1), 'late');
});

test('a failed write is logged, not thrown, and does not stop later events', async () => {
  const { client, idle } = fakeClient({ failCreates: true });
  const logs: string[] = [];
  const rec = createRecorder(client, 'x', { log: (m) => logs.push(m) });
  rec.event(rs, 'Normal', 'A', 'a');
  rec.event(rs, 'Normal', 'B', 'b');
  await idle();
  assert.deepEqual(logs, ['could not record event', 'could not record event']);
});
