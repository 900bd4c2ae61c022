// The node half of `k8ts server` (and later `k8ts agent`): a private
// containerd under the data dir (unless an existing CRI endpoint is given)
// and a supervised `k8ts kubelet` child, and the routes to the other
// nodes' pods (as k3s runs flannel beside its kubelet). stop() leaves
// nothing behind: the routes, the kubelet, the pods (torn down through CRI,
// so CNI undoes its rules), the containerd, its mounts, the bridge and the
// pods' cgroups.
import { join } from 'node:path';
import { startContainerdWithImages, removeCgroupTree, unmountUnder } from '../kubelet/containerd/daemon.ts';
import type { Containerd } from '../kubelet/containerd/daemon.ts';
import { removeBridge, removeIdleHostportChains } from '../kubelet/cni.ts';
import { Client } from '../client/rest.ts';
import { loadKubeconfig } from '../client/kubeconfig.ts';
import { RouteSyncer } from '../kubelet/network/syncer.ts';
import { supervise } from './supervisor.ts';
import type { Log } from './log.ts';

export interface LocalAgentOptions {
  dataDir: string;
  nodeName: string;
  kubeconfig: string;
  podCIDR: string;
  /** An existing CRI socket (unix:///…); without it a private containerd is started. */
  runtimeEndpoint?: string;
  nodeLabels?: string;
  /** key=value:Effect specs the Node is registered with. */
  nodeTaints?: string[];
  nodeIP?: string;
  /** The CNI bridge (default k8ts0); two nodes on one host need different ones. */
  bridge?: string;
  /** The kubelet's serving certificate and the CA its callers' client certificates must chain to. */
  kubeletTls?: { certFile: string; keyFile: string; clientCaFile: string };
  log: Log;
}

export const BRIDGE = 'k8ts0';

export async function startLocalAgent(o: LocalAgentOptions): Promise<{ stop(): Promise<void> }> {
  let containerd: Containerd | undefined;
  let endpoint = o.runtimeEndpoint;
  if (!endpoint) {
    containerd = await startContainerdWithImages({ dir: join(o.dataDir, 'agent', 'containerd') });
    endpoint = containerd.endpoint;
    o.log('containerd started', { endpoint });
  }
  const cgroupRoot = `/k8ts/${o.nodeName}`;
  const bridge = o.bridge ?? BRIDGE;
  const args = ['kubelet', '--kubeconfig', o.kubeconfig, '--node-name', o.nodeName, '--container-runtime-endpoint', endpoint,
    '--pod-cidr', o.podCIDR, '--root-dir', join(o.dataDir, 'agent', 'kubelet'), '--cni-bridge', bridge, '--cgroup-root', cgroupRoot,
    ...(containerd ? ['--cni-conf-dir', containerd.cniConfDir] : []),
    ...(o.nodeLabels ? ['--node-labels', o.nodeLabels] : []), ...(o.nodeIP ? ['--node-ip', o.nodeIP] : []),
    ...(o.nodeTaints?.length ? ['--node-taints', o.nodeTaints.join(',')] : []),
    ...(o.kubeletTls ? ['--tls-cert-file', o.kubeletTls.certFile, '--tls-private-key-file', o.kubeletTls.keyFile, '--client-ca-file', o.kubeletTls.clientCaFile] : [])];
  const kubelet = supervise('kubelet', args, o.log);
  const client = new Client({ ...loadKubeconfig(o.kubeconfig, `k8ts-routes/${o.nodeName}`), timeoutMs: 30_000 });
  const routes = new RouteSyncer({ client, nodeName: o.nodeName, podCIDR: o.podCIDR, log: o.log });
  routes.start();
  return {
    async stop() {
      await Promise.all([
        kubelet.stop(),
        routes.stop().catch((err) => o.log('removing the routes to other nodes\' pods failed', { error: String(err?.message ?? err) })),
      ]);
      client.close();
      if (!containerd) return;
      await containerd.stop();
      // Volumes of pods still running at stop (tmpfs emptyDirs) are mounted under the kubelet's dir.
      await unmountUnder(join(o.dataDir, 'agent', 'kubelet')).catch(() => undefined);
      await removeBridge(bridge).catch(() => undefined);
      await removeIdleHostportChains().catch(() => undefined);
      removeCgroupTree(cgroupRoot);
    },
  };
}
