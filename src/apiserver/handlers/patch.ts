// PATCH: JSON patch, merge patch, strategic merge patch and server-side
// apply. The patch is applied to the stored object and the result goes
// through the same pipeline as an update, retried if another writer won.
import { newBadRequest, newUnsupportedMediaType, newConflict } from '../../machinery/errors.ts';
import { applyPatch } from '../../machinery/patch/index.ts';
import { mediaType, readBody, decodeBody, isObject } from '../codec.ts';
import { serverSideApply } from '../registry/apply.ts';
import type { RequestContext } from './context.ts';
import { isDryRun, respondObject } from './context.ts';
import { toRequestVersion, toStorageVersion } from '../registry/versions.ts';
import { admitAndValidate, applyFieldValidation, checkTypeMeta, recordManager } from './write.ts';

const PATCH_TYPES = [
  'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml',
];

export async function handlePatch(ctx: RequestContext): Promise<void> {
  const type = mediaType(ctx.req.headers['content-type']);
  if (!PATCH_TYPES.includes(type)) throw newUnsupportedMediaType(type, PATCH_TYPES);
  const body = await readBody(ctx.req);
  const dryRun = isDryRun(ctx.query);
  const { namespace, name, subresource } = ctx.info;

  if (type === 'application/apply-patch+yaml') {
    const applied = decodeBody(body, type);
    if (!isObject(applied)) throw newBadRequest('the applied configuration must be an object');
    checkTypeMeta(ctx, applied);
    applyFieldValidation(ctx, applied);
    const manager = ctx.query.get('fieldManager');
    if (!manager) throw newBadRequest('PATCH requests with apply-patch+yaml content type must have a fieldManager');
    const force = ctx.query.get('force') === 'true';
    const { obj, created } = await serverSideApply(ctx, applied, manager, force, dryRun);
    respondObject(ctx, created ? 201 : 200, obj);
    return;
  }

  let patchDoc: unknown;
  try {
    patchDoc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    // kubectl sends JSON; YAML bodies are accepted for merge patches as upstream does.
    patchDoc = type === 'application/json-patch+json' ? undefined : decodeBody(body, 'application/yaml');
    if (patchDoc === undefined) throw newBadRequest(`the patch is not valid JSON: ${(err as Error).message}`);
  }
  const gvk = { group: ctx.resource.group, version: ctx.resource.version, kind: ctx.resource.kind };
  const warnings = ctx.warnings.length;
  const { obj } = await ctx.store.guaranteedUpdate(namespace, name, async (current) => {
    // A retried attempt warns afresh.
    ctx.warnings.length = warnings;
    const rv = current.metadata.resourceVersion;
    let patched: any;
    try {
      patched = applyPatch(type, toRequestVersion(ctx.resource, current), patchDoc, gvk);
    } catch (err) {
      if ((err as any)?.status) throw err;
      throw newBadRequest((err as Error).message);
    }
    if (!isObject(patched)) throw newBadRequest('the patch produced something that is not an object');
    checkTypeMeta(ctx, patched);
    applyFieldValidation(ctx, patched);
    patched.metadata ??= {};
    if (patched.metadata.name !== name) {
      throw newBadRequest(`the name of the object (${patched.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (patched.metadata.uid !== undefined && patched.metadata.uid !== current.metadata.uid) {
      throw newConflict(ctx.store.qualified, name, `Precondition failed: UID in precondition: ${patched.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    const wanted = patched.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== rv) {
      throw newConflict(ctx.store.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    patched = toStorageVersion(ctx.resource, patched);
    ctx.store.prepareUpdate(patched, current, subresource);
    await admitAndValidate(ctx, 'UPDATE', patched, current, dryRun);
    recordManager(ctx, patched, current);
    return patched;
  }, dryRun);
  respondObject(ctx, 200, obj);
}
