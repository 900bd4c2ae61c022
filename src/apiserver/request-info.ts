// Parses a request path and method into the attributes every later stage
// (authorization, admission, the handlers) works with, as kube-apiserver's
// RequestInfoFactory does.

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string; // get list watch create update patch delete deletecollection, or the lower-case method for non-resource paths
  apiPrefix: string; // 'api' | 'apis'
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false, path, verb: method.toLowerCase(), apiPrefix: '', apiGroup: '', apiVersion: '',
    namespace: '', resource: '', subresource: '', name: '', parts: [],
  };
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 0) return info;
  const prefix = segments[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  let rest = segments.slice(1);
  if (prefix === 'apis') {
    if (rest.length < 2) return info; // /apis or /apis/<group>: discovery
    info.apiGroup = rest[0];
    rest = rest.slice(1);
  } else if (rest.length < 1) {
    return info; // /api: discovery
  }
  info.apiVersion = rest[0];
  rest = rest.slice(1);
  if (rest.length === 0) return info; // /api/v1: discovery
  info.isResourceRequest = true;

  let isWatchPath = false;
  if (rest[0] === 'watch') {
    isWatchPath = true;
    rest = rest.slice(1);
  }
  // /namespaces/{ns}/{resource}... but /namespaces/{name} and /namespaces/{name}/status are the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    info.namespace = rest[1];
    if (rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]))) {
      rest = rest.slice(2);
    } else {
      info.namespace = '';
      info.name = rest[1];
      info.resource = 'namespaces';
      info.subresource = rest[2] ?? '';
      info.parts = rest;
      info.verb = verbFor(method, true, isWatchPath, query);
      if (info.verb === 'get' && isWatchPath) info.verb = 'watch';
      return info;
    }
  }
  info.parts = rest;
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest.slice(2).join('/');
  info.verb = verbFor(method, info.name !== '', isWatchPath, query);
  return info;
}

function verbFor(method: string, hasName: boolean, isWatchPath: boolean, query: URLSearchParams): string {
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD': {
      if (isWatchPath) return 'watch';
      const w = query.get('watch');
      if (w !== null && w !== '0' && w.toLowerCase() !== 'false') return 'watch';
      return hasName ? 'get' : 'list';
    }
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return hasName ? 'delete' : 'deletecollection';
    default: return method.toLowerCase();
  }
}
