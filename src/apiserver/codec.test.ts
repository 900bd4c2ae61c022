import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { readBody } from './codec.ts';

function request(headers: Record<string, string> = {}): PassThrough & { headers: Record<string, string> } {
  return Object.assign(new PassThrough(), { headers });
}

test('readBody joins the chunks of a body', async () => {
  for (const chunks of [[], ['{}'], ['{"a":', '1', '}']]) {
    const req = request();
    const read = readBody(req as unknown as IncomingMessage);
    for (const c of chunks) req.write(c);
    req.end();
    assert.equal((await read).toString(), chunks.join(''));
  }
});

test('readBody refuses a body over the limit, declared or streamed, with 413', async () => {
  const declared = request({ 'content-length': '11' });
  const tooLarge = (err: any) => err.status.code === 413 && err.status.reason === 'RequestEntityTooLarge';
  await assert.rejects(readBody(declared as unknown as IncomingMessage, 10), tooLarge);

  const streamed = request();
  const read = readBody(streamed as unknown as IncomingMessage, 10);
  streamed.write('123456');
  streamed.write('789012');
  await assert.rejects(read, tooLarge);
  assert.ok(streamed.destroyed);
});

test('readBody fails when the request goes away before its end', async () => {
  const req = request();
  const read = readBody(req as unknown as IncomingMessage);
  req.write('{"a"');
  req.destroy();
  await assert.rejects(read, { code: 'ERR_STREAM_PREMATURE_CLOSE' });

  const failed = request();
  const read2 = readBody(failed as unknown as IncomingMessage);
  failed.destroy(new Error('aborted'));
  await assert.rejects(read2, /aborted/);
});
