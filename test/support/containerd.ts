// A private containerd for tests: its own root, state, socket, runc state
// and CNI config under a fresh short directory, with the offline pause and
// busybox images imported. cleanup() tears the pods down through CRI (so
// CNI removes veths, IPs and portmap/masquerade rules), stops containerd,
// kills any shim left of it with its containers, unmounts what is mounted
// under the directory, removes it, and deletes the test's bridge and pod
// cgroups, and portmap's host-wide chains once no pod uses them.
import { mkdtempSync } from 'node:fs';
import { startContainerdWithImages, removeCgroupTree } from '../../src/kubelet/containerd/daemon.ts';
import type { Containerd } from '../../src/kubelet/containerd/daemon.ts';
import { removeBridge, removeIdleHostportChains } from '../../src/kubelet/cni.ts';

export interface TestContainerd extends Containerd {
  /** A bridge name and cgroup root no other test run uses. */
  bridge: string;
  cgroupRoot: string;
  podCIDR: string;
  cleanup(): Promise<void>;
}

export async function startTestContainerd(): Promise<TestContainerd> {
  // Short: the socket path must fit in 107 bytes, and shims append to it.
  const dir = mkdtempSync('/tmp/k8ts-cd-');
  const suffix = dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x');
  const c = await startContainerdWithImages({ dir });
  const bridge = `k8t${suffix}`;
  const cgroupRoot = `/k8ts-test-${suffix}`;
  return {
    ...c, bridge, cgroupRoot,
    // A /24 that varies between runs, so that two test runs never route the same subnet.
    podCIDR: `10.${200 + (suffix.charCodeAt(0) % 50)}.${suffix.charCodeAt(1) % 250}.0/24`,
    async cleanup() {
      await c.stop();
      await removeBridge(bridge);
      await removeIdleHostportChains();
      removeCgroupTree(cgroupRoot);
    },
  };
}
