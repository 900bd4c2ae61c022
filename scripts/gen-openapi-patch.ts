// The list extensions that the kubernetes-types .d.ts files do not carry:
// x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key (kubectl's
// three-way strategic merge patch in `kubectl apply` reads them from the
// OpenAPI v3 document) and x-kubernetes-list-type / x-kubernetes-list-map-keys
// (server-side apply). Written from upstream's API types; the main lists only.

type Schema = Record<string, any>;

interface ListExt {
  strategy?: string;
  key?: string;
  listType?: 'atomic' | 'set' | 'map';
  mapKeys?: string[];
}

const merge = (key: string, mapKeys: string[] = [key]): ListExt => ({ strategy: 'merge', key, listType: 'map', mapKeys });
const mergeRetain = (key: string): ListExt => ({ strategy: 'merge,retainKeys', key, listType: 'map', mapKeys: [key] });
const mergeOnly = (key: string): ListExt => ({ strategy: 'merge', key });

const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const TABLE: Record<string, Record<string, ListExt>> = {
  [`${META}.ObjectMeta`]: {
    finalizers: { strategy: 'merge', listType: 'set' },
    ownerReferences: merge('uid'),
  },
  [`${CORE}.PodSpec`]: {
    containers: merge('name'),
    initContainers: merge('name'),
    ephemeralContainers: merge('name'),
    volumes: mergeRetain('name'),
    imagePullSecrets: mergeOnly('name'),
    hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    schedulingGates: merge('name'),
    resourceClaims: mergeRetain('name'),
  },
  [`${CORE}.Container`]: {
    ports: merge('containerPort', ['containerPort', 'protocol']),
    env: mergeOnly('name'),
    volumeMounts: mergeOnly('mountPath'),
    volumeDevices: mergeOnly('devicePath'),
  },
  [`${CORE}.EphemeralContainer`]: {
    ports: merge('containerPort', ['containerPort', 'protocol']),
    env: mergeOnly('name'),
    volumeMounts: mergeOnly('mountPath'),
    volumeDevices: mergeOnly('devicePath'),
  },
  [`${CORE}.PodStatus`]: {
    podIPs: merge('ip'),
    hostIPs: merge('ip'),
    resourceClaimStatuses: mergeRetain('name'),
  },
  [`${CORE}.NodeSpec`]: { podCIDRs: { strategy: 'merge', listType: 'set' } },
  [`${CORE}.NodeStatus`]: { addresses: merge('type') },
  [`${CORE}.ServiceSpec`]: { ports: merge('port', ['port', 'protocol']) },
  [`${CORE}.ServiceAccount`]: { secrets: mergeOnly('name') },
};

/** Adds the hand table's extensions, and `conditions` of every *Status merge by type as upstream's do. */
export function applyListExtensions(defs: Record<string, Schema>): void {
  for (const [def, props] of Object.entries(TABLE)) {
    for (const [prop, ext] of Object.entries(props)) {
      const schema = defs[def]?.properties?.[prop];
      if (!schema) throw new Error(`gen-openapi: no property ${def}.${prop}`);
      setExt(schema, ext);
    }
  }
  for (const [name, def] of Object.entries(defs)) {
    const conditions = def.properties?.conditions;
    if (!name.endsWith('Status') || conditions?.type !== 'array' || conditions['x-kubernetes-patch-strategy']) continue;
    const item = defs[String(conditions.items?.$ref ?? '').replace('#/definitions/', '')];
    if (item?.properties?.type) setExt(conditions, merge('type'));
  }
}

function setExt(schema: Schema, ext: ListExt): void {
  if (ext.listType) schema['x-kubernetes-list-type'] = ext.listType;
  if (ext.mapKeys) schema['x-kubernetes-list-map-keys'] = ext.mapKeys;
  if (ext.key) schema['x-kubernetes-patch-merge-key'] = ext.key;
  if (ext.strategy) schema['x-kubernetes-patch-strategy'] = ext.strategy;
}
