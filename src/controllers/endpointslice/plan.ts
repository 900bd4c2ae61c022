// Which EndpointSlices to create, update and delete for one Service and
// address type, with upstream's reconciler algorithm: endpoints are grouped
// by their resolved port set; existing slices keep (and refresh) the
// endpoints still wanted; leftovers go first into slices being updated
// anyway (fullest first), then into the unchanged slice they fit best, and
// only then into new slices. A Service with nothing to publish keeps one
// empty placeholder slice, and creates reuse the names of slices that
// would otherwise be deleted.
import { isDeepStrictEqual } from 'node:util';

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  targetRef?: { kind: string; namespace: string; name: string; uid: string };
  nodeName?: string;
  zone?: string;
}

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface Slice {
  metadata: { name?: string; generateName?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: any[]; [k: string]: unknown };
  addressType: string;
  endpoints: SliceEndpoint[];
  ports: SlicePort[];
  [k: string]: unknown;
}

export interface DesiredGroup {
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

export interface PlanInput {
  existing: Slice[];
  desired: DesiredGroup[];
  ownerUid: string;
  addressType: string;
  labels: Record<string, string>;
  maxEndpointsPerSlice: number;
  /** A fresh, unnamed slice for these ports (generateName, labels, ownerReference). */
  newSlice(ports: SlicePort[]): Slice;
}

export interface Plan {
  create: Slice[];
  update: Slice[];
  delete: Slice[];
}

export function portsKey(ports: SlicePort[] | null | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? null]).sort());
}

/** An endpoint's identity (upstream hashes addresses, hostname and the target's namespace/name). */
export function endpointKey(e: SliceEndpoint): string {
  return JSON.stringify([[...e.addresses].sort(), e.hostname ?? '', e.targetRef?.namespace ?? '', e.targetRef?.name ?? '']);
}

const ownedBy = (s: Slice, uid: string) => (s.metadata.ownerReferences ?? []).some((r: any) => r.uid === uid);
const clone = (s: Slice): Slice => structuredClone(s);

/** The closest-to-full unchanged slice that still has room for n endpoints. */
function sliceToFill(slices: Slice[], n: number, max: number): Slice | undefined {
  let best: Slice | undefined;
  for (const s of slices) {
    if (s.endpoints.length + n > max) continue;
    if (!best || s.endpoints.length > best.endpoints.length) best = s;
  }
  return best;
}

function planPortGroup(input: PlanInput, existing: Slice[], group: DesiredGroup, out: Plan): void {
  const max = input.maxEndpointsPerSlice;
  const wanted = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
  const toUpdate: Slice[] = [];
  const unchanged: Slice[] = [];
  for (const s of existing) {
    const kept: SliceEndpoint[] = [];
    let changed = false;
    for (const e of s.endpoints ?? []) {
      const k = endpointKey(e);
      const want = wanted.get(k);
      if (!want) continue;
      kept.push(want);
      if (!isDeepStrictEqual(want, e)) changed = true;
      wanted.delete(k);
    }
    const labelsChanged = !isDeepStrictEqual(s.metadata.labels ?? {}, input.labels);
    if (changed || kept.length !== (s.endpoints ?? []).length) {
      if (kept.length === 0) out.delete.push(s);
      else toUpdate.push({ ...clone(s), endpoints: kept, metadata: { ...clone(s).metadata, labels: { ...input.labels } } });
    } else if (labelsChanged) {
      toUpdate.push({ ...clone(s), metadata: { ...clone(s).metadata, labels: { ...input.labels } } });
    } else {
      unchanged.push(s);
    }
  }
  const left = [...wanted.values()];
  if (left.length && toUpdate.length) {
    for (const s of [...toUpdate].sort((a, b) => b.endpoints.length - a.endpoints.length)) {
      while (left.length && s.endpoints.length < max) s.endpoints.push(left.shift()!);
    }
  }
  while (left.length) {
    let target = left.length < max ? sliceToFill(unchanged, left.length, max) : undefined;
    if (target) {
      unchanged.splice(unchanged.indexOf(target), 1);
      target = clone(target);
      toUpdate.push(target);
    } else {
      target = input.newSlice(group.ports);
      out.create.push(target);
    }
    while (left.length && target.endpoints.length < max) target.endpoints.push(left.shift()!);
  }
  out.update.push(...toUpdate);
}

export function planSlices(input: PlanInput): Plan {
  const out: Plan = { create: [], update: [], delete: [] };
  const byPorts = new Map<string, Slice[]>();
  // The apiserver may omit empty lists (a placeholder has neither endpoints nor ports).
  const existing = input.existing.map((s) => ({ ...s, endpoints: s.endpoints ?? [], ports: s.ports ?? [] }));
  for (const s of existing) {
    if (!ownedBy(s, input.ownerUid) || s.addressType !== input.addressType) {
      out.delete.push(s);
      continue;
    }
    const k = portsKey(s.ports);
    byPorts.set(k, [...(byPorts.get(k) ?? []), s]);
  }
  const desired = new Map(input.desired.filter((g) => g.endpoints.length > 0).map((g) => [portsKey(g.ports), g]));
  for (const [k, slices] of byPorts) if (!desired.has(k)) out.delete.push(...slices);
  for (const [k, g] of desired) planPortGroup(input, byPorts.get(k) ?? [], g, out);

  if (existing.length === out.delete.length && out.create.length === 0) {
    const placeholder = input.newSlice([]);
    const only = out.delete.length === 1 ? out.delete[0] : undefined;
    const isPlaceholder = only && ownedBy(only, input.ownerUid) && only.addressType === input.addressType
      && only.endpoints.length === 0 && only.ports.length === 0 && isDeepStrictEqual(only.metadata.labels ?? {}, input.labels);
    if (isPlaceholder) out.delete = [];
    else out.create.push(placeholder);
  }
  // Turn creates into updates of slices that would be deleted, saving a delete and a create.
  for (let i = 0; i < out.delete.length && out.create.length > 0;) {
    const victim = out.delete[i];
    if (victim.addressType === input.addressType && ownedBy(victim, input.ownerUid)) {
      const s = out.create.pop()!;
      out.update.push({ ...s, metadata: { ...victim.metadata, labels: s.metadata.labels, generateName: s.metadata.generateName } });
      out.delete.splice(i, 1);
    } else {
      i++;
    }
  }
  return out;
}
