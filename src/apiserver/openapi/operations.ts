// The REST operations of every resource in the table, in one neutral form
// that v2.ts and v3.ts each render into their own OpenAPI dialect. Paths,
// operation ids, actions and parameters follow kube-apiserver's layout, so
// that kubectl finds what it looks for (the GVK of a resource's paths for
// `explain`, the fieldValidation parameter on PATCH for --validate=strict,
// the strategic-merge content type on PATCH for `apply`).
import type { ResourceInfo, Subresource } from '../../api/resources.ts';
import { RESOURCES } from '../../api/resources.ts';
import type { GroupVersionKind } from '../../api/openapi/definitions.ts';
import { definitionNameFor } from '../../api/openapi/definitions.ts';

export type ParamType = 'string' | 'boolean' | 'integer';

export interface Param {
  name: string;
  in: 'query' | 'path';
  type: ParamType;
  description: string;
  required?: boolean;
}

export type Action = 'list' | 'watch' | 'watchlist' | 'get' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  operationId: string;
  description: string;
  action: Action;
  gvk: GroupVersionKind;
  query: Param[];
  /** Definition name of the request body, if any. */
  body?: string;
  consumes: string[];
  produces: string[];
  /** Status code → definition name of the response body. */
  responses: Record<string, string>;
  tag: string;
}

export interface PathItem {
  path: string;
  /** The group-version document the path belongs to: `api/v1` or `apis/<group>/<version>`. */
  gv: string;
  params: Param[];
  ops: Operation[];
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const STATUS = `${META}.Status`;
const WATCH_EVENT = `${META}.WatchEvent`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const PATCH = `${META}.Patch`;

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
const OBJECT_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const WATCH_TYPES = [...OBJECT_TYPES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];

const q = (name: string, type: ParamType, description: string): Param => ({ name, in: 'query', type, description });

const P = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid value: All (every dry-run stage is processed). An invalid or unknown value is an error.'),
  fieldManager: q('fieldManager', 'string', 'fieldManager names the actor making these changes (at most 128 printable characters). Required for apply patches, optional otherwise.'),
  fieldValidation: q('fieldValidation', 'string', 'fieldValidation tells the server how to treat unknown or duplicate fields in the request object. Ignore drops them silently; Warn (the default) accepts the request and returns a warning for each one; Strict rejects the request with an error naming them.'),
  force: q('force', 'boolean', 'Force re-acquires conflicting fields owned by other managers in an apply request. Must be unset for other patch types.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks asks for BOOKMARK watch events. Servers may send them at their discretion; ignored unless watch is true.'),
  continue: q('continue', 'string', 'The continue token returned by a previous paged list call, to fetch the next page of the same list.'),
  fieldSelector: q('fieldSelector', 'string', 'A selector that restricts the returned objects by their fields. Defaults to everything.'),
  labelSelector: q('labelSelector', 'string', 'A selector that restricts the returned objects by their labels. Defaults to everything.'),
  limit: q('limit', 'integer', 'limit is the largest number of items to return in one list call; a continue token is returned when more remain.'),
  resourceVersion: q('resourceVersion', 'string', 'resourceVersion constrains which version of the data the request may be served from. Defaults to unset.'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'resourceVersionMatch says how resourceVersion applies to list calls (Exact or NotOlderThan). Defaults to unset.'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', 'With watch=true, sendInitialEvents=true first sends synthetic events for the current state, then a bookmark annotated with "k8s.io/initial-events-end".'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list or watch call, regardless of activity.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update and remove notifications. Specify resourceVersion.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Zero means delete immediately; unset means the default grace period of the kind.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether dependent objects should be orphaned.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection is performed: 'Orphan', 'Background' or 'Foreground'."),
};
const LIST_QUERY = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_QUERY = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_QUERY = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const pathParam = (name: string, description: string): Param => ({ name, in: 'path', type: 'string', description, required: true });

/** 'rbac.authorization.k8s.io' → 'RbacAuthorization'; the core group is 'Core'. */
function groupWord(group: string): string {
  if (group === '') return 'Core';
  return group.replace(/\.k8s\.io$/, '').split('.').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

export function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

interface SubInfo {
  verbs: ('get' | 'put' | 'patch' | 'post')[];
  gvk?: GroupVersionKind;
}

const SUBRESOURCES: Partial<Record<Subresource, SubInfo>> = {
  status: { verbs: ['get', 'put', 'patch'] },
  scale: { verbs: ['get', 'put', 'patch'], gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' } },
  ephemeralcontainers: { verbs: ['get', 'put', 'patch'] },
  resize: { verbs: ['get', 'put', 'patch'] },
  finalize: { verbs: ['put'] },
  binding: { verbs: ['post'], gvk: { group: '', version: 'v1', kind: 'Binding' } },
  eviction: { verbs: ['post'], gvk: { group: 'policy', version: 'v1', kind: 'Eviction' } },
  token: { verbs: ['post'], gvk: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } },
};

function defOf(gvk: GroupVersionKind): string {
  const name = definitionNameFor(gvk);
  if (!name) throw new Error(`openapi: no definition for ${gvk.group}/${gvk.version} ${gvk.kind}`);
  return name;
}

/** Every path of one resource: collection, item, watch and subresource paths. */
function resourcePaths(r: ResourceInfo): PathItem[] {
  const gv = gvPath(r.group, r.version);
  const base = `/${gv}`;
  const tag = `${r.group === '' ? 'core' : groupWord(r.group)[0].toLowerCase() + groupWord(r.group).slice(1)}_${r.version}`;
  const gvk: GroupVersionKind = { group: r.group, version: r.version, kind: r.kind };
  const obj = defOf(gvk);
  const list = r.virtual ? undefined : definitionNameFor({ ...gvk, kind: `${r.kind}List` });
  const id = (verb: string, suffix = '', scoped = r.namespaced): string =>
    `${verb}${groupWord(r.group)}${r.version[0].toUpperCase()}${r.version.slice(1)}${scoped ? 'Namespaced' : ''}${r.kind}${suffix}`;
  const ns = r.namespaced ? '/namespaces/{namespace}' : '';
  const nsParams = r.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const nameParam = (what: string): Param => pathParam('name', `name of the ${what}`);
  const verbs = new Set(r.verbs);
  const op = (o: Omit<Operation, 'tag' | 'consumes' | 'produces' | 'gvk'> & Partial<Pick<Operation, 'consumes' | 'produces' | 'gvk'>>): Operation =>
    ({ consumes: ['*/*'], produces: OBJECT_TYPES, gvk, tag, ...o });
  const out: PathItem[] = [];

  const collection: Operation[] = [];
  if (verbs.has('list') && list) {
    collection.push(op({ method: 'get', operationId: id('list'), description: `list or watch objects of kind ${r.kind}`, action: 'list', query: LIST_QUERY, responses: { 200: list }, produces: WATCH_TYPES }));
  }
  if (verbs.has('create')) {
    collection.push(op({ method: 'post', operationId: id('create'), description: `create ${article(r.kind)} ${r.kind}`, action: 'post', query: WRITE_QUERY, body: obj, responses: { 200: obj, 201: obj, 202: obj } }));
  }
  if (verbs.has('deletecollection')) {
    collection.push(op({ method: 'delete', operationId: id('delete', '', r.namespaced).replace(/^delete/, 'deleteCollection'), description: `delete collection of ${r.kind}`,
      action: 'deletecollection', query: [...LIST_QUERY.filter((p) => p !== P.watch && p !== P.allowWatchBookmarks), ...DELETE_QUERY], body: DELETE_OPTIONS, responses: { 200: STATUS } }));
  }
  if (collection.length) out.push({ path: `${base}${ns}/${r.resource}`, gv, params: [...nsParams, P.pretty], ops: collection });

  const item: Operation[] = [];
  if (verbs.has('get')) item.push(op({ method: 'get', operationId: id('read'), description: `read the specified ${r.kind}`, action: 'get', query: [], responses: { 200: obj } }));
  if (verbs.has('update')) item.push(op({ method: 'put', operationId: id('replace'), description: `replace the specified ${r.kind}`, action: 'put', query: WRITE_QUERY, body: obj, responses: { 200: obj, 201: obj } }));
  if (verbs.has('patch')) {
    item.push(op({ method: 'patch', operationId: id('patch'), description: `partially update the specified ${r.kind}`, action: 'patch', query: [...WRITE_QUERY, P.force], body: PATCH, consumes: PATCH_TYPES, responses: { 200: obj, 201: obj } }));
  }
  if (verbs.has('delete')) {
    item.push(op({ method: 'delete', operationId: id('delete'), description: `delete ${article(r.kind)} ${r.kind}`, action: 'delete', query: DELETE_QUERY, body: DELETE_OPTIONS, responses: { 200: STATUS, 202: STATUS } }));
  }
  if (item.length) out.push({ path: `${base}${ns}/${r.resource}/{name}`, gv, params: [nameParam(r.kind), ...nsParams, P.pretty], ops: item });

  if (verbs.has('watch') && list) {
    const watchOp = (operationId: string, action: Action, description: string): Operation =>
      op({ method: 'get', operationId, description, action, query: LIST_QUERY, responses: { 200: WATCH_EVENT }, produces: WATCH_TYPES });
    out.push({ path: `${base}/watch${ns}/${r.resource}`, gv, params: [...nsParams, P.pretty],
      ops: [watchOp(id('watch', 'List'), 'watchlist', `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`)] });
    out.push({ path: `${base}/watch${ns}/${r.resource}/{name}`, gv, params: [nameParam(r.kind), ...nsParams, P.pretty],
      ops: [watchOp(id('watch'), 'watch', `watch changes to an object of kind ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`)] });
    if (r.namespaced) {
      out.push({ path: `${base}/${r.resource}`, gv, params: [P.pretty], ops: [op({ method: 'get', operationId: id('list', 'ForAllNamespaces', false),
        description: `list or watch objects of kind ${r.kind}`, action: 'list', query: LIST_QUERY, responses: { 200: list }, produces: WATCH_TYPES })] });
      out.push({ path: `${base}/watch/${r.resource}`, gv, params: [P.pretty],
        ops: [watchOp(id('watch', 'ListForAllNamespaces', false), 'watchlist', `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`)] });
    }
  }

  for (const sub of r.subresources ?? []) {
    const info = SUBRESOURCES[sub];
    if (!info) continue; // streaming and proxy subresources are not described
    const subGvk = info.gvk ?? gvk;
    const subObj = defOf(subGvk);
    const suffix = sub[0].toUpperCase() + sub.slice(1);
    const ops = info.verbs.map((m): Operation => {
      const base = { gvk: subGvk, responses: { 200: subObj, 201: subObj } };
      switch (m) {
        case 'get': return op({ ...base, method: 'get', operationId: id('read', suffix), description: `read ${sub} of the specified ${r.kind}`, action: 'get', query: [], responses: { 200: subObj } });
        case 'put': return op({ ...base, method: 'put', operationId: id('replace', suffix), description: `replace ${sub} of the specified ${r.kind}`, action: 'put', query: WRITE_QUERY, body: subObj });
        case 'patch': return op({ ...base, method: 'patch', operationId: id('patch', suffix), description: `partially update ${sub} of the specified ${r.kind}`, action: 'patch',
          query: [...WRITE_QUERY, P.force], body: PATCH, consumes: PATCH_TYPES });
        case 'post': return op({ ...base, method: 'post', operationId: id('create', suffix), description: `create ${sub} of ${article(r.kind)} ${r.kind}`, action: 'post',
          query: WRITE_QUERY, body: subObj, responses: { 200: subObj, 201: subObj, 202: subObj } });
      }
    });
    out.push({ path: `${base}${ns}/${r.resource}/{name}/${sub}`, gv, params: [nameParam(subGvk.kind), ...nsParams, P.pretty], ops });
  }
  return out;
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

let cached: PathItem[] | undefined;

/** All paths of all resources with a schema (CustomResourceDefinition has none yet), in table order. */
export function allPaths(): PathItem[] {
  cached ??= RESOURCES.filter((r) => definitionNameFor({ group: r.group, version: r.version, kind: r.kind })).flatMap(resourcePaths);
  return cached;
}
