// StreamRuntime over CRI: finds the pod's running container (or ready
// sandbox) by the io.kubernetes.* labels and asks the runtime for a
// streaming URL, with upstream kubelet's messages when there is none.
import type { CriClient } from '../cri/client.ts';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from '../spec.ts';
import type { StreamRuntime } from './streaming.ts';

function fullName(pod: any): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}`;
}

export function criStreamRuntime(cri: CriClient): StreamRuntime {
  // Upstream looks among running containers only: an exited one is "not found".
  const running = async (pod: any, name: string): Promise<string> => {
    const all = await cri.listContainers({ labelSelector: { [LABEL_POD_UID]: pod.metadata.uid, [LABEL_CONTAINER_NAME]: name } });
    const live = all.filter((c) => c.state === 'CONTAINER_RUNNING').sort((a, b) => b.metadata.attempt - a.metadata.attempt);
    if (!live[0]) throw new Error(`container not found (${JSON.stringify(name)})`);
    return live[0].id;
  };
  return {
    exec: async (pod, container, cmd, io) => cri.exec(await running(pod, container), cmd, io),
    attach: async (pod, container, io) => cri.attach(await running(pod, container), io),
    portForward: async (pod, ports) => {
      const { items } = await cri.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: pod.metadata.uid } });
      const ready = items.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => Number(BigInt(b.createdAt) - BigInt(a.createdAt)));
      if (!ready[0]) throw new Error(`pod not found (${JSON.stringify(fullName(pod))})`);
      return cri.portForward(ready[0].id, ports);
    },
  };
}
