// This node's side of local-path storage: the kubelet tells the
// provisioner where the node keeps volumes (a Node annotation: its
// `<data-dir>/storage`), and sweeps that directory, removing the volume
// directories no PersistentVolume names any more (the provisioner deleted
// the PV when its claim went), unless a pod here still has one prepared.
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RESOURCES } from '../../api/resources.ts';
import type { Client } from '../../client/rest.ts';
import { pathsInUse } from './claims.ts';

const NODES = RESOURCES.find((r) => r.group === '' && r.resource === 'nodes')!;
const PVS = RESOURCES.find((r) => r.group === '' && r.resource === 'persistentvolumes')!;
export const STORAGE_DIR_ANNOTATION = 'k8ts.io/local-path-storage-dir';
const VOLUME_DIR = /^pvc-[^_/]+_[^_/]+_[^/]+$/;

/** `<data-dir>/storage` when the kubelet's root dir is `<data-dir>/agent/kubelet` (k8ts server and agent), else `<root-dir>/storage`. */
export function localStorageDir(rootDir: string): string {
  const agent = dirname(rootDir);
  if (basename(rootDir) === 'kubelet' && basename(agent) === 'agent') return join(dirname(agent), 'storage');
  return join(rootDir, 'storage');
}

/** The volume directories under dir that no PV path names and no pod here uses. */
export function orphanedVolumeDirs(dir: string, entries: string[], pvs: any[], inUse: Set<string>): string[] {
  const named = new Set<string>();
  for (const pv of pvs) {
    const p = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (typeof p === 'string') named.add(p.replace(/\/+$/, ''));
  }
  return entries.filter((e) => VOLUME_DIR.test(e)).map((e) => join(dir, e)).filter((p) => !named.has(p) && !inUse.has(p));
}

export interface LocalStorageConfig {
  client: Client;
  nodeName: string;
  rootDir: string;
  sweepMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export class LocalStorage {
  readonly dir: string;
  private readonly c: LocalStorageConfig;
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(c: LocalStorageConfig) {
    this.c = c;
    this.dir = localStorageDir(c.rootDir);
  }

  /** Annotates the Node (after it is registered) and starts the sweeps. */
  async start(): Promise<void> {
    await this.c.client.patch(NODES, '', this.c.nodeName, { metadata: { annotations: { [STORAGE_DIR_ANNOTATION]: this.dir } } });
    this.timer = setInterval(() => void this.sweep().catch((err) => this.c.log?.('storage sweep failed', { dir: this.dir, error: String(err) })), this.c.sweepMs ?? 15_000);
    this.timer.unref();
  }

  /** Removes orphaned volume directories; returns what it removed. */
  async sweep(): Promise<string[]> {
    if (this.sweeping) return [];
    this.sweeping = true;
    try {
      let entries: string[];
      try {
        entries = readdirSync(this.dir);
      } catch {
        return [];
      }
      if (!entries.some((e) => VOLUME_DIR.test(e))) return [];
      // Listed after the directory was read: a directory only appears once its PV exists, so a fresh one is never taken for an orphan.
      const { items } = await this.c.client.list(PVS);
      const gone = orphanedVolumeDirs(this.dir, entries, items, pathsInUse());
      for (const p of gone) {
        rmSync(p, { recursive: true, force: true });
        this.c.log?.('removed local-path volume directory', { path: p });
      }
      return gone;
    } finally {
      this.sweeping = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
