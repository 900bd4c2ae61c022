// ServiceAccount admission: a new pod runs as a service account that exists
// (`default` when it names none), gets that account's imagePullSecrets when
// it has none, and, unless automountServiceAccountToken is false on the pod
// or the account, a kube-api-access-<random> projected volume (a bound
// token, the cluster CA and the namespace) mounted read-only at upstream's
// path in every init and app container.
import { RESOURCES } from '../../api/resources.ts';
import type { ResourceInfo } from '../../api/resources.ts';
import { newForbidden } from '../../machinery/errors.ts';
import type { ResourceStore } from '../registry/store.ts';
import type { AdmissionPlugin } from './index.ts';
import { deepCopy } from '../../machinery/clone.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The kubelet's token lifetime in the volume; upstream picked 3607 so that such requests can be told apart. */
export const TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
// The alphabet of Kubernetes' random name suffixes: no vowels, no look-alikes.
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

const SERVICE_ACCOUNTS = RESOURCES.find((r) => r.group === '' && r.resource === 'serviceaccounts')!;

export function randomSuffix(n = 5, random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUMS[Math.floor(random() * ALPHANUMS.length)];
  return s;
}

/** The projected volume upstream's admission adds, in its defaulted form. */
export function apiAccessVolume(name: string): any {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Adds the token volume and its mounts unless every container already mounts something at the token path. */
export function mountToken(spec: any, random: () => number = Math.random): void {
  const names = new Set((spec.volumes ?? []).map((v: any) => v?.name));
  let name = `kube-api-access-${randomSuffix(5, random)}`;
  while (names.has(name)) name = `kube-api-access-${randomSuffix(5, random)}`;
  let needed = false;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if (!c || typeof c !== 'object') continue;
    const mounts: any[] = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
    if (mounts.some((m) => m?.mountPath === TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...mounts, { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
    needed = true;
  }
  if (needed) spec.volumes = [...(spec.volumes ?? []), apiAccessVolume(name)];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long a pod waits for its namespace's `default` account. Upstream
 * retries ten times (about 1.5 s) because the controller creates it just
 * after the namespace; here the controller-manager can start many seconds
 * after the API server answers ready, and pods made in a new namespace at
 * that time would fail, so the wait is longer.
 */
export const DEFAULT_ACCOUNT_WAIT_MS = 15_000;

export function serviceAccountAdmission(storeFor: (info: ResourceInfo) => ResourceStore, opts: { retryMs?: () => number; waitMs?: number } = {}): AdmissionPlugin {
  const retryMs = opts.retryMs ?? (() => 100 + Math.floor(Math.random() * 100));
  const lookup = async (ns: string, name: string): Promise<any | undefined> => {
    const deadline = Date.now() + (name === DEFAULT_SERVICE_ACCOUNT ? opts.waitMs ?? DEFAULT_ACCOUNT_WAIT_MS : 0);
    for (let first = true; first || Date.now() < deadline; first = false) {
      if (!first) await sleep(retryMs());
      try {
        return await storeFor(SERVICE_ACCOUNTS).get(ns, name);
      } catch (err) {
        if ((err as any)?.status?.code !== 404) throw err;
      }
    }
    return undefined;
  };
  return {
    name: 'ServiceAccount',
    async admit(a) {
      if (a.operation !== 'CREATE' || a.subresource !== '' || a.resource.group !== '' || a.resource.resource !== 'pods') return;
      const pod = a.object;
      const spec = pod?.spec;
      if (!spec || typeof spec !== 'object') return;
      // Static pods' mirrors cannot use API credentials.
      if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
      if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
      spec.serviceAccount = spec.serviceAccountName;
      const sa = await lookup(a.namespace, spec.serviceAccountName);
      if (!sa) {
        const podName = pod.metadata?.name || pod.metadata?.generateName || '';
        throw newForbidden({ group: '', resource: 'pods' }, podName,
          `error looking up service account ${a.namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`);
      }
      if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) spec.imagePullSecrets = deepCopy(sa.imagePullSecrets);
      const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
      if (automount) mountToken(spec);
    },
  };
}
