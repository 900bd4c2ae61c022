// A tiny HTTP server for tests: just enough discovery for kubectl to map a
// resource, plus the OpenAPI documents of this folder. Not used in production
// (the apiserver serves these through openapi-http.ts).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RESOURCES, apiVersionOf, groupVersions } from '../../api/resources.ts';
import { PROTOBUF_V2_CONTENT_TYPE, PROTOBUF_V2_TYPE, openapiV2, openapiV2Protobuf, openapiV3GroupVersion, openapiV3Index } from './index.ts';

function resourceList(group: string, version: string): unknown {
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }),
    resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
      name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames,
    })),
  };
}

function discovery(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  const groups = groupVersions().filter((g) => g.group !== '');
  if (path === '/apis') {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => {
      const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
      return { name: g.group, versions, preferredVersion: versions[0] };
    }) };
  }
  if (path === '/api/v1') return resourceList('', 'v1');
  const m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (m && groups.some((g) => g.group === m[1] && g.versions.includes(m[2]))) return resourceList(m[1], m[2]);
  return undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  accept: string;
  contentType: string;
  body: string;
}

/**
 * Starts the server on a free loopback port. `objects` (path → object) answer
 * GETs; every request is recorded. A POST is answered with its own body,
 * a PATCH with the stored object (tests read what kubectl sent, not a result).
 */
export async function startTestServer(objects: Record<string, unknown> = {}): Promise<{ server: Server; url: string; requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const send = (code: number, out: Buffer | string, etag?: string): void => {
      res.writeHead(code, { 'Content-Type': 'application/json', ...(etag ? { ETag: `"${etag}"` } : {}) });
      res.end(out);
    };
    const url = new URL(req.url ?? '/', 'http://x');
    let body = '';
    for await (const chunk of req) body += String(chunk);
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, accept: req.headers.accept ?? '', contentType: req.headers['content-type'] ?? '', body });
    if (req.method !== 'GET') {
      const stored = objects[url.pathname];
      if (stored && req.method !== 'PATCH') return send(409, '{}');
      return send(req.method === 'POST' ? 201 : 200, req.method === 'PATCH' ? JSON.stringify(stored) : body);
    }
    if (objects[url.pathname]) return send(200, JSON.stringify(objects[url.pathname]));
    if (url.pathname === '/openapi/v2') {
      if ((req.headers.accept ?? '').includes(PROTOBUF_V2_TYPE)) {
        const doc = openapiV2Protobuf();
        res.writeHead(200, { 'Content-Type': PROTOBUF_V2_CONTENT_TYPE, ETag: `"${doc.etag}"` });
        return res.end(doc.body);
      }
      if (!/application\/json|\*\/\*/.test(req.headers.accept ?? '*/*')) return send(406, '{}');
      const doc = openapiV2();
      return send(200, doc.body, doc.etag);
    }
    if (url.pathname === '/openapi/v3') return send(200, JSON.stringify(openapiV3Index()));
    if (url.pathname.startsWith('/openapi/v3/')) {
      const doc = openapiV3GroupVersion(url.pathname.slice('/openapi/v3/'.length));
      if (doc) return send(200, doc.body, doc.etag);
    }
    const d = discovery(url.pathname);
    if (d) return send(200, JSON.stringify(d));
    send(404, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
