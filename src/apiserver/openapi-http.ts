// Serves the OpenAPI documents built in ./openapi/: /openapi/v2 (JSON, or
// the protobuf form kubectl asks for) and the
// /openapi/v3 index and per group-version documents, with ETags.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openapiV2, openapiV2Protobuf, openapiV3GroupVersion, openapiV3Index, PROTOBUF_V2_CONTENT_TYPE, PROTOBUF_V2_TYPE } from './openapi/index.ts';
import { newNotAcceptable } from '../machinery/errors.ts';
import { writeError, writeJson } from './codec.ts';

function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((r) => {
    const t = r.split(';')[0].trim().toLowerCase();
    return t === 'application/json' || t === '*/*' || t === 'application/*';
  });
}

function sendDoc(req: IncomingMessage, res: ServerResponse, doc: { body: Buffer; etag: string }, contentType = 'application/json'): void {
  const etag = `"${doc.etag}"`;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { ETag: etag });
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': contentType, ETag: etag, 'Cache-Control': 'no-cache, private', Vary: 'Accept' });
  res.end(doc.body);
}

export async function serveOpenApi(req: IncomingMessage, res: ServerResponse, path: string, _query: URLSearchParams): Promise<void> {
  // kubectl's v2 client asks only for gnostic's protobuf form, and never falls back to JSON.
  if (path === '/openapi/v2' && (req.headers.accept ?? '').includes(PROTOBUF_V2_TYPE)) {
    return sendDoc(req, res, openapiV2Protobuf(), PROTOBUF_V2_CONTENT_TYPE);
  }
  if (!acceptsJson(req.headers.accept)) {
    writeError(res, newNotAcceptable(['application/json']));
    return;
  }
  if (path === '/openapi/v2') return sendDoc(req, res, openapiV2());
  if (path === '/openapi/v3') return writeJson(res, 200, openapiV3Index());
  if (path.startsWith('/openapi/v3/')) {
    const doc = openapiV3GroupVersion(path.slice('/openapi/v3/'.length));
    if (doc) return sendDoc(req, res, doc);
  }
  writeJson(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
}
