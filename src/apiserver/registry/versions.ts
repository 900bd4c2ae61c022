// Resources served in several versions but stored in one: a request's
// object is converted to the storage version when it is decoded, and every
// object going back out (get, list, watch, write responses) is converted to
// the version the request named. Tables, field selectors, defaults,
// validation and admission all see the storage version, as upstream's see
// the internal one.
import type { ResourceInfo } from '../../api/resources.ts';
import { apiVersionOf, findResource } from '../../api/resources.ts';
import { hooksFor } from '../../api/hooks.ts';
import { convertHPA, ConversionError } from '../../api/autoscaling/convert.ts';
import { newBadRequest } from '../../machinery/errors.ts';

type Convert = (obj: any, apiVersion: string) => any;

const CONVERTERS: { group: string; kind: string; convert: Convert }[] = [
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', convert: convertHPA },
];

function converterOf(info: Pick<ResourceInfo, 'group' | 'kind'>): Convert | undefined {
  return CONVERTERS.find((c) => c.group === info.group && c.kind === info.kind)?.convert;
}

/** Whether objects of this resource are converted between request and storage versions. */
export function converts(info: ResourceInfo): boolean {
  return converterOf(info) !== undefined;
}

/** The resource whose store holds this resource's objects (itself unless it is served by conversion). */
export function storageResource(info: ResourceInfo): ResourceInfo {
  if (!info.storageVersion || !converterOf(info)) return info;
  return findResource(info.group, info.storageVersion, info.resource) ?? info;
}

/**
 * A decoded request object (in info's version) as the storage version
 * holds it. The request version's defaults run first, as upstream defaults
 * the external object before converting it.
 */
export function toStorageVersion(info: ResourceInfo, obj: any): any {
  const convert = converterOf(info);
  if (!convert) return obj;
  const storage = storageResource(info);
  if (storage !== info) hooksFor(info.group, info.version, info.kind).defaults?.(obj);
  try {
    return convert(obj, apiVersionOf(storage));
  } catch (err) {
    if (err instanceof ConversionError) throw newBadRequest(err.message);
    throw err;
  }
}

/** A stored (or cached) object as the request's version shows it; the input is never mutated. */
export function toRequestVersion(info: ResourceInfo, obj: any): any {
  const convert = converterOf(info);
  if (!convert || !obj) return obj;
  try {
    return convert(obj, apiVersionOf(info));
  } catch {
    // A stored annotation that does not parse cannot break reads: show the object as stored.
    return obj;
  }
}

/**
 * An object read from storage in the storage version: objects written
 * before their resource was converted (an HPA stored as autoscaling/v1)
 * are upgraded on read.
 */
export function upgradeStored(obj: any): any {
  if (obj?.apiVersion !== 'autoscaling/v1' || obj.kind !== 'HorizontalPodAutoscaler') return obj;
  try {
    return convertHPA(obj, 'autoscaling/v2');
  } catch {
    return obj;
  }
}
