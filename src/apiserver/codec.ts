// Request bodies in, responses out: JSON and YAML decoding with the limits
// kube-apiserver enforces, content negotiation, and Status error replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAllDocuments } from 'yaml';
import {
  StatusError, newBadRequest, newUnsupportedMediaType, newRequestEntityTooLarge, newInternalError,
} from '../machinery/errors.ts';
import { decodeProtobuf } from './protobuf/decode.ts';

/** kube-apiserver's request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Deeper bodies are refused before parsing; upstream's decoders stop at a similar depth. */
export const MAX_NESTING_DEPTH = 10_000;

// Listeners rather than `for await`: the async iterator costs several
// promises, ticks and listener swaps per request, which showed in profiles of
// many small writes. As that iterator did, a body over the limit or a request
// that goes away before its end fails the read and destroys the request.
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    return Promise.reject(newRequestEntityTooLarge(`limit is ${limit}`));
  }
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(prematureClose());
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: unknown, body?: Buffer): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err === null) {
        resolve(body!);
        return;
      }
      req.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.resume();
        finish(newRequestEntityTooLarge(`limit is ${limit}`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    const onError = (err: Error): void => finish(err);
    const onClose = (): void => {
      if (!req.readableEnded) finish(prematureClose());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Counts bracket depth outside strings, so a hostile body cannot exhaust the parser's stack. */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_NESTING_DEPTH) throw newBadRequest(`the request body exceeds the maximum nesting depth of ${MAX_NESTING_DEPTH}`);
    } else if (c === 125 || c === 93) depth--;
  }
}

/** Decodes a JSON or YAML body into a value. Malformed input is a 400 that says what is wrong. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  if (type.includes('protobuf')) return decodeProtobuf(body);
  const text = body.toString('utf8');
  if (text.trim() === '') throw newBadRequest('the request body is empty');
  // Nesting deeper than the limit takes more brackets than a shorter body holds.
  if (text.length > MAX_NESTING_DEPTH) checkDepth(text);
  const isYaml = type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'text/yaml';
  if (!isYaml && type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    throw newUnsupportedMediaType(type, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
  }
  if (!isYaml) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw newBadRequest(`the request body is not valid JSON: ${(err as Error).message}`);
    }
  }
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const real = list.filter((d) => d.contents !== null);
  if (real.length !== 1) throw newBadRequest(`the request body must hold exactly one YAML document, found ${real.length}`);
  const doc = real[0];
  if (doc.errors.length > 0) throw newBadRequest(`the request body is not valid YAML: ${doc.errors[0].message}`);
  return doc.toJS({ maxAliasCount: 100 });
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type OutputFormat = 'json' | 'yaml' | 'table';

export interface Negotiated {
  format: OutputFormat;
  /** For as=Table: which object form rows carry. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  /** as=PartialObjectMetadata(List) */
  metadataOnly?: boolean;
}

/**
 * Picks the response form from Accept. Protobuf is never offered; a client
 * that accepts nothing else gets 406 and falls back, as kubectl does.
 */
export function negotiate(accept: string | undefined, query: URLSearchParams): Negotiated | null {
  if (!accept || accept.trim() === '') return { format: 'json' };
  const ranges = accept.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of ranges) {
    const [type, ...params] = r.split(';').map((s) => s.trim());
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    const t = type.toLowerCase();
    if (p.as === 'Table') {
      if (t !== 'application/json' && t !== '*/*') continue;
      const includeObject = (query.get('includeObject') ?? 'Metadata') as Negotiated['includeObject'];
      return { format: 'table', includeObject };
    }
    if (p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') {
      if (t !== 'application/json') continue;
      return { format: 'json', metadataOnly: true };
    }
    if (p.as) continue;
    if (t === 'application/json' || t === 'application/*' || t === '*/*' || t === 'application/json-patch+json') return { format: 'json' };
    if (t === 'application/yaml' || t === 'text/yaml') return { format: 'yaml' };
  }
  return null;
}

export function writeJson(res: ServerResponse, code: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...extraHeaders });
  res.end(text);
}

export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  return newInternalError(err instanceof Error ? err : new Error(String(err)));
}

export function writeError(res: ServerResponse, err: unknown): void {
  const se = toStatusError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  const retry = se.status.details?.retryAfterSeconds;
  if (retry) headers['Retry-After'] = String(retry);
  writeJson(res, se.status.code ?? 500, se.status, headers);
}
