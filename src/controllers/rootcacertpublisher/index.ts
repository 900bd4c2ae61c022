// The root CA publisher (upstream's root-ca-cert-publisher): every active
// namespace holds a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the
// cluster's CA bundle, so pods can verify the apiserver. A deleted one is
// created again; an edited one is put back.
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import type { Informer } from '../../client/informer.ts';
import type { Reconciler, Result } from '../../client/controller.ts';
import { isDeepStrictEqual } from 'node:util';

export const CONFIG_MAPS = RESOURCES.find((r) => r.group === '' && r.resource === 'configmaps')!;
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. '
  + 'No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCACertPublisherConfig {
  client: Client;
  namespaces: Informer;
  /** ConfigMaps named kube-root-ca.crt (the informer may be narrowed by a field selector). */
  configMaps: Informer;
  /** The CA bundle (PEM) to publish: the controller manager's kubeconfig CA. */
  rootCA: string;
}

export class RootCACertPublisher implements Reconciler {
  readonly name = 'root-ca-cert-publisher';
  private readonly cfg: RootCACertPublisherConfig;

  constructor(cfg: RootCACertPublisherConfig) {
    this.cfg = cfg;
  }

  /** The namespace (the key) a ConfigMap event concerns: only ours matter. */
  namespaceOf(cm: any): string[] {
    return cm?.metadata?.name === ROOT_CA_CONFIG_MAP && cm.metadata.namespace ? [cm.metadata.namespace] : [];
  }

  async reconcile(namespace: string): Promise<Result> {
    const ns = this.cfg.namespaces.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp || (ns.status?.phase ?? 'Active') !== 'Active') return;
    const data = { 'ca.crt': this.cfg.rootCA };
    const cm = this.cfg.configMaps.get(`${namespace}/${ROOT_CA_CONFIG_MAP}`);
    if (!cm) {
      try {
        await this.cfg.client.create(CONFIG_MAPS, namespace, { metadata: { name: ROOT_CA_CONFIG_MAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data });
      } catch (err) {
        const code = (err as any)?.status?.code;
        // 409: our cache is behind (the watch brings it and we compare then); 404/403: the namespace is gone or terminating.
        if (code !== 409 && code !== 404 && code !== 403) throw err;
      }
      return;
    }
    // Like upstream: only the data and the description annotation being present are enforced.
    if (isDeepStrictEqual(cm.data ?? {}, data) && cm.metadata.annotations?.[DESCRIPTION_ANNOTATION]) return;
    const next = { ...cm, data, metadata: { ...cm.metadata, annotations: { ...(cm.metadata.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION } } };
    try {
      await this.cfg.client.update(CONFIG_MAPS, namespace, next);
    } catch (err) {
      // 409/404: a newer version (or its deletion) is on its way through the watch, which enqueues the namespace again.
      const code = (err as any)?.status?.code;
      if (code !== 409 && code !== 404) throw err;
    }
  }
}
