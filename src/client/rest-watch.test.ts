import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { RESOURCES } from '../api/resources.ts';
import { Client } from './rest.ts';
import type { WatchEvent } from './rest.ts';

const configMaps = RESOURCES.find((r) => r.group === '' && r.resource === 'configmaps')!;

test('watch lines split anywhere across chunks, even inside a character, decode whole and in order', async () => {
  const events = [1, 2, 3].map((i) => ({ type: 'ADDED', object: { metadata: { name: `cm-${i}` }, data: { v: `é€${i}` } } }));
  const bytes = Buffer.from(events.map((e) => JSON.stringify(e) + '\n').join('') + '\n');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // Cut every 7 bytes: lines and the multi-byte characters break across writes.
    let i = 0;
    const next = () => {
      if (i >= bytes.length) return res.end();
      res.write(bytes.subarray(i, (i += 7)));
      setImmediate(next);
    };
    next();
  });
  const client = new Client({ server: 'http://in-process', caPem: '', connect: (s) => server.emit('connection', s) });
  const seen: WatchEvent[] = [];
  const w = client.watch(configMaps, 'default', {}, (e) => seen.push(e));
  await w.done;
  assert.deepEqual(seen, events);
  client.close();
});
