// What the runtime holds for one pod, read over CRI: its sandboxes (newest
// attempt first), every container instance per container name (newest
// first), and the pod IPs of the live sandbox. The pod worker decides from
// this alone, so a restarted kubelet picks up where the last one stopped.
import type { CriClient, CriContainerStatus, CriSandbox } from './cri/client.ts';
import { isNotFound } from './cri/client.ts';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from './spec.ts';

export interface RuntimeView {
  sandboxes: CriSandbox[];
  /** Per container name, newest attempt first. */
  instances: Map<string, CriContainerStatus[]>;
  ips: string[];
  /** Whether the newest sandbox is ready. */
  ready: boolean;
}

/**
 * known: the IPs already read for a sandbox; a sandbox keeps its IPs for its
 * whole life, so they are not asked for again (one PodSandboxStatus less per sync).
 */
export async function runtimeView(cri: CriClient, pod: any, hostIP: string, known?: { sandboxId: string; ips: string[] }): Promise<RuntimeView> {
  const uid = pod.metadata.uid;
  const { items } = await cri.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: uid } });
  const sandboxes = items.sort((a, b) => b.metadata.attempt - a.metadata.attempt);
  const containers = await cri.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } });
  const instances = new Map<string, CriContainerStatus[]>();
  for (const c of containers) {
    let s: CriContainerStatus;
    try {
      s = await cri.containerStatus(c.id);
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    const name = c.labels[LABEL_CONTAINER_NAME] ?? c.metadata.name;
    if (!instances.has(name)) instances.set(name, []);
    instances.get(name)!.push(s);
  }
  for (const list of instances.values()) list.sort((a, b) => b.metadata.attempt - a.metadata.attempt || Number(BigInt(b.createdAt) - BigInt(a.createdAt)));
  const live = sandboxes[0]?.state === 'SANDBOX_READY' ? sandboxes[0] : undefined;
  let ips: string[] = [];
  if (live) {
    if (pod.spec?.hostNetwork) ips = [hostIP];
    else if (known?.sandboxId === live.id && known.ips.length) ips = known.ips;
    else {
      const st = await cri.podSandboxStatus(live.id);
      ips = [st.network?.ip, ...(st.network?.additionalIps ?? []).map((x) => x.ip)].filter((x): x is string => !!x);
    }
  }
  return { sandboxes, instances, ips, ready: !!live };
}

/**
 * What the relist compares to tell that a pod's containers or sandboxes
 * changed: every id with its state, in a fixed order.
 */
export function runtimePrint(containers: { id: string; state: string }[], sandboxes: { id: string; state: string }[]): string {
  return [...containers, ...sandboxes].map((x) => `${x.id}:${x.state}`).sort().join(';');
}
