// What the apiserver makes sure exists before it serves: the system
// namespaces (upstream's bootstrap controller keeps these too).
import type { ResourceStore } from './registry/store.ts';
import { SYSTEM_NAMESPACES } from './admission/namespace-lifecycle.ts';

export async function ensureSystemNamespaces(namespaces: ResourceStore): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    const obj: any = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] } };
    namespaces.prepareCreate(obj, '');
    await createIfAbsent(namespaces, obj);
  }
}

/**
 * The `kubernetes` Service in `default`, on the first address of the
 * service CIDR, and its Endpoints pointing at this apiserver.
 */
export async function ensureKubernetesService(services: ResourceStore, endpoints: ResourceStore, clusterIP: string, apiserverIP: string, port: number): Promise<void> {
  const svc: any = {
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
    },
  };
  services.prepareCreate(svc, 'default');
  await createIfAbsent(services, svc);
  const ep: any = {
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: apiserverIP }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  };
  endpoints.prepareCreate(ep, 'default');
  await createIfAbsent(endpoints, ep);
}

async function createIfAbsent(store: ResourceStore, obj: any): Promise<void> {
  try {
    await store.create(obj);
  } catch (err) {
    if ((err as any)?.status?.reason !== 'AlreadyExists') throw err;
  }
}

export const LOCAL_PATH_CLASS = 'local-path';
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';

/**
 * k3s's default StorageClass, so a claim with no class is provisioned on
 * the node its pod lands on with no setup. Like k3s's re-applied
 * manifest, it comes back at the next start if deleted.
 */
export async function ensureDefaultStorageClass(classes: ResourceStore): Promise<void> {
  const sc: any = {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  };
  classes.prepareCreate(sc, '');
  await createIfAbsent(classes, sc);
}
