import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeV2, openapiV2Protobuf } from './v2-proto.ts';

test('encodeV2: field tags, lengths (multi-byte varints) and nested messages', () => {
  const description = 'd'.repeat(200);
  const bytes = encodeV2({ swagger: '2.0', info: { title: 'T', version: 'v' }, paths: {}, definitions: { X: { description, type: 'string' } } });
  // swagger = field 1, length-delimited: 0x0a, len 3, "2.0"
  assert.deepEqual([...bytes.subarray(0, 5)], [0x0a, 3, ...Buffer.from('2.0')]);
  // info = field 2: { title = 1, version = 2 }
  assert.deepEqual([...bytes.subarray(5, 13)], [0x12, 6, 0x0a, 1, 0x54, 0x12, 1, 0x76]);
  // definitions = field 9; the 200-byte description needs a two-byte length (0xc8 0x01)
  const at = bytes.indexOf(Buffer.from([0x22, 0xc8, 0x01]));
  assert.ok(at > 0, 'description (field 4) with a varint length of 200');
  assert.equal(bytes.subarray(at + 3, at + 203).toString(), description);
});

test('openapiV2Protobuf: built once, hashed', () => {
  const doc = openapiV2Protobuf();
  assert.equal(doc, openapiV2Protobuf());
  assert.ok(doc.body.length > 100_000);
  assert.match(doc.etag, /^[0-9A-F]{128}$/);
});
