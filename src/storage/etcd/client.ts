// A small etcd v3 gRPC client: the KV, Watch, Lease and Maintenance services
// loaded at runtime from the proto files etcd3 ships, one channel per
// endpoint, and failover between endpoints with the retry rules of etcd's
// own Go client (reads retry on any Unavailable; writes only when the
// request cannot have reached a server).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { StorageError } from '../backend.ts';

export interface EtcdTlsConfig {
  /** PEM text of the CA, client certificate and key; or file paths with the *File variants. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Enum values of etcd's rpc.proto and kv.proto. */
export const CompareTarget = { CREATE: 1, MOD: 2 } as const;
export const CompareResult = { EQUAL: 0, GREATER: 1 } as const;
export const EventType = { PUT: 0, DELETE: 1 } as const;

export type Service = 'KV' | 'Watch' | 'Lease' | 'Maintenance';
type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
type GrpcClient = grpc.Client & Record<string, Unary>;

interface Endpoint {
  url: string;
  clients: Record<Service, GrpcClient>;
}

let services: Record<Service, grpc.ServiceClientConstructor> | undefined;

function loadServices(): Record<Service, grpc.ServiceClientConstructor> {
  if (services) return services;
  const require = createRequire(import.meta.url);
  const protoDir = join(dirname(require.resolve('etcd3/package.json')), 'proto');
  const def = protoLoader.loadSync(join(protoDir, 'rpc.proto'), {
    keepCase: true,
    // Lease IDs use all 64 bits; revisions are converted where they are read.
    longs: String,
    enums: Number,
    defaults: true,
    oneofs: true,
    includeDirs: [protoDir],
  });
  const pkg = grpc.loadPackageDefinition(def).etcdserverpb as Record<Service, grpc.ServiceClientConstructor>;
  services = { KV: pkg.KV, Watch: pkg.Watch, Lease: pkg.Lease, Maintenance: pkg.Maintenance };
  return services;
}

function credentials(url: URL, tls: EtcdTlsConfig | undefined, readFile: (p: string) => Buffer): grpc.ChannelCredentials {
  if (url.protocol === 'http:') return grpc.credentials.createInsecure();
  const pem = (v: string | Buffer | undefined, file: string | undefined) =>
    v !== undefined ? Buffer.from(v) : file !== undefined ? readFile(file) : null;
  return grpc.credentials.createSsl(pem(tls?.ca, tls?.caFile), pem(tls?.key, tls?.keyFile), pem(tls?.cert, tls?.certFile));
}

/** Parses "http://host:port", "https://host:port" or "host:port" (https when TLS is configured). */
export function parseEndpoint(endpoint: string, tls: boolean): URL {
  const withScheme = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `${tls ? 'https' : 'http'}://${endpoint}`;
  const url = new URL(withScheme);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StorageError('Unavailable', `etcd endpoint ${endpoint}: unsupported scheme ${url.protocol}`);
  if (!url.port) url.port = '2379';
  return url;
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

/** Did the call fail before any server saw it? Then even a write may be retried. */
function notSent(err: grpc.ServiceError): boolean {
  return err.code === grpc.status.UNAVAILABLE && /No connection established|ECONNREFUSED|no leader|not capable|failed to connect|Name resolution/i.test(err.details ?? err.message);
}

export function isConnectionError(err: grpc.ServiceError): boolean {
  return err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED;
}

export interface EtcdClientOptions {
  endpoints: string[];
  tls?: EtcdTlsConfig;
  /** How long a call keeps retrying across endpoints before it fails with Unavailable. */
  retryMs: number;
  readFile: (path: string) => Buffer;
}

export class EtcdClient {
  private readonly endpoints: Endpoint[];
  private current = 0;
  private readonly retryMs: number;
  /** The newest revision seen in any response header. */
  lastRevision = 0;

  constructor(opts: EtcdClientOptions) {
    const svc = loadServices();
    this.retryMs = opts.retryMs;
    this.endpoints = opts.endpoints.map((e) => {
      const url = parseEndpoint(e, opts.tls !== undefined);
      const creds = credentials(url, opts.tls, opts.readFile);
      const kv = new svc.KV(url.host, creds, CHANNEL_OPTIONS) as GrpcClient;
      const shared = { ...CHANNEL_OPTIONS, channelOverride: kv.getChannel() };
      const make = (s: Service) => new svc[s](url.host, creds, shared) as GrpcClient;
      return { url: url.origin, clients: { KV: kv, Watch: make('Watch'), Lease: make('Lease'), Maintenance: make('Maintenance') } };
    });
  }

  get endpointUrls(): string[] {
    return this.endpoints.map((e) => e.url);
  }

  get currentUrl(): string {
    return this.endpoints[this.current]!.url;
  }

  /** The client for service at the endpoint in use. */
  client(service: Service): GrpcClient {
    return this.endpoints[this.current]!.clients[service];
  }

  use(index: number): void {
    this.current = index;
  }

  /** Moves on to the next endpoint after a connection failure. */
  failover(): void {
    this.current = (this.current + 1) % this.endpoints.length;
  }

  seen(header: { revision?: string } | undefined): number {
    const rev = Number(header?.revision ?? 0);
    if (rev > this.lastRevision) this.lastRevision = rev;
    return rev;
  }

  /** One call on one endpoint, without retries. */
  callOn<T>(index: number, service: Service, method: string, req: unknown, deadlineMs: number): Promise<T> {
    const c = this.endpoints[index]!.clients[service];
    return new Promise<T>((resolve, reject) => {
      c[method]!.call(c, req, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (err) reject(err);
        else resolve(res as T);
      });
    });
  }

  /** A call with failover: reads retry on any Unavailable, writes only when nothing was sent. */
  async call<T>(service: Service, method: string, req: unknown, write: boolean): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    let delay = 20;
    for (;;) {
      const index = this.current;
      try {
        return await this.callOn<T>(index, service, method, req, Math.max(this.retryMs, 10_000));
      } catch (e) {
        const err = e as grpc.ServiceError;
        const retry = write ? notSent(err) : err.code === grpc.status.UNAVAILABLE;
        if (!retry) throw toStorageError(err);
        if (Date.now() + delay > deadline) throw this.unavailable(err);
        if (this.current === index) this.failover();
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 500);
      }
    }
  }

  unavailable(cause: unknown): StorageError {
    const msg = cause instanceof Error ? ((cause as grpc.ServiceError).details ?? cause.message) : String(cause);
    return new StorageError('Unavailable', `etcd endpoints ${this.endpointUrls.join(', ')} unavailable: ${msg}`, { cause });
  }

  close(): void {
    for (const e of this.endpoints) for (const c of Object.values(e.clients)) c.close();
  }
}

/** Maps etcd's gRPC errors onto the storage error codes. */
export function toStorageError(err: grpc.ServiceError): StorageError {
  const d = err.details ?? err.message;
  if (/required revision has been compacted/.test(d)) return new StorageError('Compacted', d.replace(/^etcdserver: /, ''), { cause: err });
  if (/required revision is a future revision/.test(d)) return new StorageError('FutureRevision', d.replace(/^etcdserver: /, ''), { cause: err });
  if (/request is too large|message larger than max/.test(d)) return new StorageError('ValueTooLarge', d, { cause: err });
  if (err.code === grpc.status.INVALID_ARGUMENT || err.code === grpc.status.UNIMPLEMENTED) {
    return new StorageError('Unsupported', `etcd: ${d}`, { cause: err });
  }
  return new StorageError('Unavailable', `etcd: ${d} (gRPC code ${err.code})`, { cause: err });
}
