// Watch, served from the watch cache as a stream of JSON events
// ({"type":"ADDED","object":{…}}), with bookmarks, sendInitialEvents and
// upstream's Expired error for a resourceVersion the window no longer holds.
import { apiVersionOf } from '../../api/resources.ts';
import { newBadRequest, newResourceExpired } from '../../machinery/errors.ts';
import { compileFilter } from '../registry/filter.ts';
import type { CacheEvent } from '../watch-cache.ts';
import { converts, toRequestVersion } from '../registry/versions.ts';
import type { RequestContext } from './context.ts';
import { checkResourceVersionParams } from './read.ts';
import { tableOf } from './context.ts';

const BOOKMARK_INTERVAL_MS = 60_000;
/** kube-apiserver's --min-request-timeout; each watch lasts between one and two of these. */
const MIN_REQUEST_TIMEOUT_S = 1800;

type WireEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: any };

// Every watcher of a resource gets the same cached object for an event:
// encode it once, to bytes, not once per watcher (cached objects are never
// mutated). Bytes, so that each watcher's socket write does not convert the
// string again.
const encodedLines = new WeakMap<object, Partial<Record<WireEvent['type'], Buffer>>>();
function wireLine(ev: WireEvent): Buffer {
  let byType = encodedLines.get(ev.object);
  if (!byType) encodedLines.set(ev.object, (byType = {}));
  return (byType[ev.type] ??= Buffer.from(JSON.stringify({ type: ev.type, object: ev.object }) + '\n'));
}

export async function handleWatch(ctx: RequestContext): Promise<void> {
  const { resource, store, query } = ctx;
  let filter = compileFilter(resource, query.get('labelSelector'), query.get('fieldSelector'), true);
  if (ctx.info.name) {
    // GET /…/pods/NAME?watch=1 (and kubectl's fieldSelector=metadata.name=) watch one object.
    const byName = filter;
    const name = ctx.info.name;
    filter = Object.assign((o: any) => o?.metadata?.name === name && byName(o), { matchesEverything: false });
  }
  const { rv, match } = checkResourceVersionParams(query);
  const sendInitialRaw = query.get('sendInitialEvents');
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  let sendInitial = rv === undefined || rv === '0';
  if (sendInitialRaw !== null) {
    if (match !== 'NotOlderThan') throw newBadRequest(`sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to "NotOlderThan"`);
    if (!bookmarks && sendInitialRaw === 'true') throw newBadRequest(`allowWatchBookmarks: Forbidden: allowWatchBookmarks must be set to true when sendInitialEvents is set`);
    sendInitial = sendInitialRaw === 'true';
  }
  const timeoutRaw = query.get('timeoutSeconds');
  let timeoutS = timeoutRaw !== null && timeoutRaw !== '' ? Number(timeoutRaw) : 0;
  if (!Number.isFinite(timeoutS) || timeoutS < 0) throw newBadRequest(`invalid timeoutSeconds: ${timeoutRaw}`);
  if (timeoutS === 0) timeoutS = MIN_REQUEST_TIMEOUT_S * (1 + Math.random());

  if (rv === undefined || match === 'NotOlderThan') await ctx.services.syncCache();
  else if (rv !== '0') await ctx.services.waitForRevision(Number(rv));

  const cache = ctx.services.cacheFor(resource);
  const prefix = store.prefixFor(ctx.info.namespace);
  const kindInfo = { kind: resource.kind, apiVersion: apiVersionOf(resource) };
  const res = ctx.res;
  const tables = ctx.output.format === 'table';
  const convert = converts(resource);

  const encode = (ev: WireEvent): string | Buffer => {
    if (tables && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
      const object = tableOf(ctx, [ev.object]);
      return JSON.stringify({ type: ev.type, object }) + '\n';
    }
    if (convert && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') return JSON.stringify({ type: ev.type, object: toRequestVersion(resource, ev.object) }) + '\n';
    return wireLine(ev);
  };

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  // Committed batches reach the watchers as bursts of events: gathered until
  // this turn of the event loop has handled its I/O, they leave as one HTTP
  // chunk, one TLS record and one syscall per watcher instead of one (plus
  // the chunk framing, four stream writes) per event.
  let pending: (string | Buffer)[] = [];
  const flush = (): void => {
    const lines = pending;
    pending = [];
    if (res.writableEnded || res.destroyed || lines.length === 0) return;
    if (lines.length === 1) {
      res.write(lines[0]!);
      return;
    }
    res.write(Buffer.concat(lines.map((l) => (typeof l === 'string' ? Buffer.from(l) : l))));
  };
  const write = (ev: WireEvent): void => {
    if (res.writableEnded) return;
    if (pending.length === 0) setImmediate(flush);
    pending.push(encode(ev));
  };
  let lastRevision = ctx.services.cacheRevision();
  const backlog: WireEvent[] = [];
  if (sendInitial) {
    for (const obj of ctx.store.listFromCache(ctx.info.namespace, filter).items) backlog.push({ type: 'ADDED', object: obj });
  } else {
    const since = cache.eventsSince(Number(rv));
    if (since === null) {
      write({ type: 'ERROR', object: newResourceExpired(`too old resource version: ${rv} (${cache.oldestRevision + 1})`).status });
      flush();
      res.end();
      return;
    }
    for (const ev of since) {
      const w = translate(ev);
      if (w) backlog.push(w);
    }
  }

  function translate(ev: CacheEvent): WireEvent | null {
    if (!ev.key.startsWith(prefix)) return null;
    const now = ev.type !== 'DELETED' && filter(ev.object);
    const before = ev.prevObject !== undefined && filter(ev.prevObject);
    if (ev.type === 'ADDED') return now ? { type: 'ADDED', object: ev.object } : null;
    if (ev.type === 'DELETED') return before ? { type: 'DELETED', object: ev.object } : null;
    if (now && before) return { type: 'MODIFIED', object: ev.object };
    if (now) return { type: 'ADDED', object: ev.object };
    if (before) return { type: 'DELETED', object: { ...ev.object } };
    return null;
  }

  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(bookmarkTimer);
    clearTimeout(timeoutTimer);
    flush();
    if (!res.writableEnded) res.end();
  };
  const unsubscribe = cache.subscribe((ev) => {
    if (ev === null) return close();
    lastRevision = ev.revision;
    const w = translate(ev);
    if (w) write(w);
  });
  for (const ev of backlog) write(ev);
  if (bookmarks && sendInitial && sendInitialRaw === 'true') {
    write({ type: 'BOOKMARK', object: { ...kindInfo, metadata: { resourceVersion: String(lastRevision), annotations: { 'k8s.io/initial-events-end': 'true' } } } });
  }
  const bookmarkTimer = setInterval(() => {
    if (bookmarks) write({ type: 'BOOKMARK', object: { ...kindInfo, metadata: { resourceVersion: String(ctx.services.cacheRevision()) } } });
  }, BOOKMARK_INTERVAL_MS);
  const timeoutTimer = setTimeout(close, timeoutS * 1000);
  ctx.req.on('close', close);
  res.on('close', close);
}
