// A promise-based client for the CRI runtime.v1 RuntimeService and
// ImageService over gRPC on a unix socket. Messages use the proto's field
// names in camelCase; int64 timestamps (nanoseconds) arrive as strings, and
// enums as their names.
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import type { Client as GrpcClient, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { resolve } from 'node:path';

const PROTO = resolve(import.meta.dirname, 'api.proto');

let pkg: any;
function runtimePackage(): any {
  pkg ??= (loadPackageDefinition(loadSync(PROTO, { keepCase: false, longs: String, enums: String, defaults: true })) as any).runtime.v1;
  return pkg;
}

export type ContainerStateName = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface CriContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: ContainerStateName;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  image: { image: string };
  imageRef: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriContainer {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number };
  state: ContainerStateName;
  createdAt: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface CriSandbox {
  id: string;
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  createdAt: string;
  labels: Record<string, string>;
}

/** Which streams an exec or attach carries. */
export interface StreamIO {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A CRI error keeps the gRPC code: 5 is NotFound. */
export function isNotFound(err: unknown): boolean {
  return (err as ServiceError)?.code === 5;
}

/** CRI nanosecond timestamps (int64 as string) to RFC 3339 seconds, as pod status shows them. */
export function criTime(ns: string | number | undefined): string | undefined {
  if (ns === undefined || ns === '0' || ns === 0) return undefined;
  const ms = Number(BigInt(ns) / 1_000_000n);
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** One container's figures from ListContainerStats; uint64/int64 values arrive as decimal strings. */
export interface CriContainerStats {
  attributes: { id: string; metadata?: { name: string; attempt: number }; labels: Record<string, string>; annotations: Record<string, string> };
  cpu?: { timestamp: string; usageCoreNanoSeconds?: { value: string }; usageNanoCores?: { value: string } };
  memory?: { timestamp: string; workingSetBytes?: { value: string }; availableBytes?: { value: string }; usageBytes?: { value: string }; rssBytes?: { value: string };
    pageFaults?: { value: string }; majorPageFaults?: { value: string } };
  writableLayer?: { timestamp: string; fsId?: { mountpoint: string }; usedBytes?: { value: string }; inodesUsed?: { value: string } };
}

export class CriClient {
  private readonly runtime: GrpcClient & Record<string, any>;
  private readonly images: GrpcClient & Record<string, any>;

  constructor(endpoint: string) {
    const target = endpoint.startsWith('unix://') ? endpoint : `unix://${endpoint}`;
    const p = runtimePackage();
    const opts = { 'grpc.max_receive_message_length': 16 << 20 };
    this.runtime = new p.RuntimeService(target, credentials.createInsecure(), opts);
    this.images = new p.ImageService(target, credentials.createInsecure(), opts);
  }

  private call<T>(svc: 'runtime' | 'images', method: string, req: unknown, timeoutMs = 30_000): Promise<T> {
    const client = svc === 'runtime' ? this.runtime : this.images;
    return new Promise((res, rej) => {
      client[method](req, { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, out: T) => (err ? rej(err) : res(out)));
    });
  }

  version(): Promise<{ version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    return this.call('runtime', 'Version', { version: 'v1' }, 10_000);
  }

  async runPodSandbox(config: unknown, timeoutMs = 120_000): Promise<string> {
    return (await this.call<{ podSandboxId: string }>('runtime', 'RunPodSandbox', { config }, timeoutMs)).podSandboxId;
  }

  async stopPodSandbox(id: string, timeoutMs?: number): Promise<void> {
    await this.call('runtime', 'StopPodSandbox', { podSandboxId: id }, timeoutMs);
  }

  async removePodSandbox(id: string, timeoutMs?: number): Promise<void> {
    await this.call('runtime', 'RemovePodSandbox', { podSandboxId: id }, timeoutMs);
  }

  async podSandboxStatus(id: string): Promise<{ id: string; state: string; network?: { ip: string; additionalIps: { ip: string }[] } }> {
    return (await this.call<any>('runtime', 'PodSandboxStatus', { podSandboxId: id })).status;
  }

  listPodSandbox(filter: { labelSelector?: Record<string, string>; id?: string } = {}, timeoutMs?: number): Promise<{ items: CriSandbox[] }> {
    return this.call('runtime', 'ListPodSandbox', { filter }, timeoutMs);
  }

  async createContainer(podSandboxId: string, config: unknown, sandboxConfig: unknown): Promise<string> {
    return (await this.call<{ containerId: string }>('runtime', 'CreateContainer', { podSandboxId, config, sandboxConfig }, 60_000)).containerId;
  }

  async startContainer(id: string): Promise<void> {
    await this.call('runtime', 'StartContainer', { containerId: id }, 60_000);
  }

  /** Sends the stop signal, then SIGKILL after timeoutSeconds (the grace period). */
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call('runtime', 'StopContainer', { containerId: id, timeout: timeoutSeconds }, (timeoutSeconds + 30) * 1000);
  }

  async removeContainer(id: string): Promise<void> {
    await this.call('runtime', 'RemoveContainer', { containerId: id });
  }

  async listContainers(filter: { podSandboxId?: string; labelSelector?: Record<string, string> } = {}): Promise<CriContainer[]> {
    return (await this.call<{ containers: CriContainer[] }>('runtime', 'ListContainers', { filter })).containers;
  }

  async containerStatus(id: string): Promise<CriContainerStatus> {
    return (await this.call<{ status: CriContainerStatus }>('runtime', 'ContainerStatus', { containerId: id })).status;
  }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number }> {
    return this.call('runtime', 'ExecSync', { containerId: id, cmd, timeout: timeoutSeconds }, (timeoutSeconds + 5) * 1000);
  }

  /** The runtime's streaming URL for an exec; the caller proxies the client's upgrade request to it. */
  async exec(containerId: string, cmd: string[], io: StreamIO): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'Exec', { containerId, cmd, ...io }, 10_000)).url;
  }

  async attach(containerId: string, io: StreamIO): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'Attach', { containerId, ...io }, 10_000)).url;
  }

  async portForward(podSandboxId: string, ports: number[]): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'PortForward', { podSandboxId, port: ports }, 10_000)).url;
  }

  async listContainerStats(filter: { id?: string; podSandboxId?: string; labelSelector?: Record<string, string> } = {}): Promise<CriContainerStats[]> {
    return (await this.call<{ stats: CriContainerStats[] }>('runtime', 'ListContainerStats', { filter }, 10_000)).stats;
  }

  /** The image's id, or undefined when the runtime does not have it. */
  async imageStatus(image: string): Promise<{ id: string; repoTags: string[]; repoDigests: string[] } | undefined> {
    const out = await this.call<{ image: { id: string; repoTags: string[]; repoDigests: string[] } | null }>('images', 'ImageStatus', { image: { image } });
    return out.image && out.image.id ? out.image : undefined;
  }

  /** auth: registry credentials (username/password or auth), from the pod's pull secrets. */
  async pullImage(image: string, sandboxConfig?: unknown, auth?: { username?: string; password?: string; auth?: string }): Promise<string> {
    return (await this.call<{ imageRef: string }>('images', 'PullImage', { image: { image }, sandboxConfig, ...(auth ? { auth } : {}) }, 300_000)).imageRef;
  }

  async listImages(): Promise<{ id: string; repoTags: string[] }[]> {
    return (await this.call<{ images: { id: string; repoTags: string[] }[] }>('images', 'ListImages', {})).images;
  }

  close(): void {
    this.runtime.close();
    this.images.close();
  }
}
