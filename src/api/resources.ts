// The table of every built-in resource the apiserver serves. Discovery,
// routing, storage keys, OpenAPI and kubectl's short names all come from
// here, so a resource is added in exactly one place.

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export type Subresource =
  | 'status' | 'scale' | 'binding' | 'eviction' | 'log' | 'exec' | 'attach' | 'portforward' | 'proxy' | 'finalize'
  | 'ephemeralcontainers' | 'resize' | 'token';

export interface ResourceInfo {
  group: string; // '' is the core group
  version: string;
  resource: string; // plural, lower case
  kind: string;
  singular: string;
  namespaced: boolean;
  verbs: readonly Verb[];
  shortNames?: readonly string[];
  categories?: readonly string[];
  subresources?: readonly Subresource[];
  /** The storage key segment under /registry/ (as kube-apiserver lays out etcd). */
  storage: string;
  /** Version the object is stored at when several versions serve the same resource. */
  storageVersion?: string;
  /** Create-only virtual resources (reviews) are never stored. */
  virtual?: boolean;
}

const ALL: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION_DELETE: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY: readonly Verb[] = ['create'];

type Row = Omit<ResourceInfo, 'verbs' | 'singular' | 'storage'> &
  Partial<Pick<ResourceInfo, 'verbs' | 'singular' | 'storage'>>;

function row(r: Row): ResourceInfo {
  return {
    ...r,
    verbs: r.verbs ?? ALL,
    singular: r.singular ?? r.kind.toLowerCase(),
    storage: r.storage ?? r.resource,
  };
}

const WORKLOAD = ['all'] as const;

export const RESOURCES: readonly ResourceInfo[] = [
  // core/v1
  row({ group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, verbs: NO_COLLECTION_DELETE, shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  row({ group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: WORKLOAD,
    subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers', 'resize'] }),
  row({ group: '', version: 'v1', resource: 'bindings', kind: 'Binding', namespaced: true, verbs: CREATE_ONLY, virtual: true }),
  row({ group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, verbs: ALL, shortNames: ['svc'], categories: WORKLOAD,
    subresources: ['status', 'proxy'], storage: 'services/specs' }),
  row({ group: '', version: 'v1', resource: 'endpoints', kind: 'Endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], storage: 'services/endpoints' }),
  row({ group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
  row({ group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true }),
  row({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], subresources: ['token'] }),
  row({ group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['status', 'proxy'], storage: 'minions' }),
  row({ group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'] }),
  row({ group: '', version: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], subresources: ['status'] }),
  row({ group: '', version: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'], subresources: ['status'] }),
  row({ group: '', version: 'v1', resource: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true, shortNames: ['rc'], categories: WORKLOAD,
    subresources: ['status', 'scale'], storage: 'controllers' }),
  row({ group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', namespaced: true, shortNames: ['limits'] }),
  row({ group: '', version: 'v1', resource: 'resourcequotas', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'], subresources: ['status'] }),
  row({ group: '', version: 'v1', resource: 'podtemplates', kind: 'PodTemplate', namespaced: true }),
  // apps/v1
  row({ group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: WORKLOAD, subresources: ['status', 'scale'] }),
  row({ group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: WORKLOAD, subresources: ['status', 'scale'] }),
  row({ group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: WORKLOAD, subresources: ['status', 'scale'] }),
  row({ group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: WORKLOAD, subresources: ['status'] }),
  row({ group: 'apps', version: 'v1', resource: 'controllerrevisions', kind: 'ControllerRevision', namespaced: true }),
  // batch/v1
  row({ group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true, categories: WORKLOAD, subresources: ['status'] }),
  row({ group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true, shortNames: ['cj'], categories: WORKLOAD, subresources: ['status'] }),
  // autoscaling: v2 is stored; v1 is served by conversion.
  row({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true, shortNames: ['hpa'],
    categories: WORKLOAD, subresources: ['status'] }),
  row({ group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true, shortNames: ['hpa'],
    categories: WORKLOAD, subresources: ['status'], storageVersion: 'v2' }),
  // policy/v1
  row({ group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'], subresources: ['status'] }),
  // coordination.k8s.io/v1
  row({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true }),
  // discovery.k8s.io/v1
  row({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true }),
  // events.k8s.io/v1 shares storage with core/v1 events.
  row({ group: 'events.k8s.io', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], storageVersion: 'core/v1' }),
  // networking.k8s.io/v1
  row({ group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', kind: 'Ingress', namespaced: true, shortNames: ['ing'], subresources: ['status'], storage: 'ingress' }),
  row({ group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses', kind: 'IngressClass', namespaced: false }),
  row({ group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'] }),
  // rbac.authorization.k8s.io/v1
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true }),
  // storage.k8s.io/v1
  row({ group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] }),
  // scheduling.k8s.io/v1
  row({ group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false, shortNames: ['pc'] }),
  // apiextensions.k8s.io/v1: stored so that clients (kubectl's CRD-aware validation) can list them; custom APIs are not served yet.
  row({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'],
    categories: ['api-extensions'], subresources: ['status'] }),
  // authentication.k8s.io/v1 and authorization.k8s.io/v1: reviews, never stored.
  row({ group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false, verbs: CREATE_ONLY, virtual: true }),
  row({ group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false, verbs: CREATE_ONLY, virtual: true }),
  row({ group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: CREATE_ONLY, virtual: true }),
  row({ group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: CREATE_ONLY, virtual: true }),
  row({ group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false, verbs: CREATE_ONLY, virtual: true }),
  row({ group: 'authorization.k8s.io', version: 'v1', resource: 'localsubjectaccessreviews', kind: 'LocalSubjectAccessReview', namespaced: true, verbs: CREATE_ONLY, virtual: true }),
];

/** Group versions in the order discovery lists them (preferred version first within a group). */
export function groupVersions(): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const r of RESOURCES) {
    let g = out.find((x) => x.group === r.group);
    if (!g) out.push((g = { group: r.group, versions: [] }));
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out;
}

export function apiVersionOf(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind && !r.virtual)
    ?? RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}
