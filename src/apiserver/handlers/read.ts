// GET of one object and of collections. Collections are served from the
// watch cache (after it has caught up with storage, so reads are
// consistent); paged and exact-revision lists go to storage.
import { newBadRequest } from '../../machinery/errors.ts';
import { compileFilter } from '../registry/filter.ts';
import type { RequestContext } from './context.ts';
import { respondList, respondObject } from './context.ts';

export async function handleGet(ctx: RequestContext): Promise<void> {
  const obj = await ctx.store.get(ctx.info.namespace, ctx.info.name, ctx.query.get('resourceVersion') ?? undefined);
  respondObject(ctx, 200, obj);
}

export function parseLimit(query: URLSearchParams): number | undefined {
  const raw = query.get('limit');
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw newBadRequest(`invalid limit: ${raw}`);
  return n === 0 ? undefined : n;
}

export function checkResourceVersionParams(query: URLSearchParams): { rv?: string; match?: string } {
  const rv = query.get('resourceVersion') ?? undefined;
  const match = query.get('resourceVersionMatch') ?? undefined;
  if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) throw newBadRequest(`invalid resource version: ${rv}`);
  if (match !== undefined && match !== '') {
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      throw newBadRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    }
    if (!rv) throw newBadRequest(`resourceVersionMatch is forbidden unless resourceVersion is provided`);
    if (match === 'Exact' && rv === '0') throw newBadRequest(`resourceVersionMatch "Exact" is forbidden for resourceVersion "0"`);
  }
  return { rv: rv || undefined, match: match || undefined };
}

export async function handleList(ctx: RequestContext): Promise<void> {
  const filter = compileFilter(ctx.resource, ctx.query.get('labelSelector'), ctx.query.get('fieldSelector'));
  const limit = parseLimit(ctx.query);
  const cont = ctx.query.get('continue') || undefined;
  const { rv, match } = checkResourceVersionParams(ctx.query);
  if (cont && rv) throw newBadRequest(`specifying resource version is not allowed when using continue`);

  const paged = limit !== undefined || cont !== undefined;
  if (paged || match === 'Exact') {
    const page = await ctx.store.listFromStorage(ctx.info.namespace, { filter, limit, continue: cont, resourceVersion: rv, resourceVersionMatch: match });
    respondList(ctx, page.items, { resourceVersion: String(page.revision), continue: page.continue, remainingItemCount: page.remaining });
    return;
  }
  const cache = ctx.store;
  if (rv === undefined) {
    await ctx.services.syncCache();
  } else if (rv !== '0') {
    await ctx.services.waitForRevision(Number(rv));
  }
  const { items, revision } = cache.listFromCache(ctx.info.namespace, filter);
  respondList(ctx, items, { resourceVersion: String(revision) });
}
