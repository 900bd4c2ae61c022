// The API server: HTTPS in front, then authentication → request info →
// authorization → the verb handlers, which run admission and validation
// before the registry writes to storage. Only this component touches storage.
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backend } from '../storage/backend.ts';
import { RESOURCES } from '../api/resources.ts';
import type { ResourceInfo } from '../api/resources.ts';
import { newTimeout } from '../machinery/errors.ts';
import { WatchCache } from './watch-cache.ts';
import { ResourceStore } from './registry/store.ts';
import { AdmissionChain } from './admission/index.ts';
import { defaultTolerationSeconds } from './admission/default-toleration-seconds.ts';
import type { AdmissionPlugin } from './admission/index.ts';
import { namespaceLifecycle } from './admission/namespace-lifecycle.ts';
import { serviceAllocation } from './admission/service-allocation.ts';
import { resourceQuotaFor } from './admission/resource-quota.ts';
import { limitRangerFor } from './admission/limit-range.ts';
import { serviceAccountAdmission } from './admission/service-account.ts';
import type { ServiceAccountTokens } from './serviceaccount/index.ts';
import { writeError } from './codec.ts';
import type { ServerServices } from './handlers/context.ts';
import { route } from './router.ts';
import type { Authenticator } from './authn/index.ts';
import type { KubeletClientConfig } from './handlers/pod-log.ts';
import type { JoinHandler } from './join.ts';
import { ensureSystemNamespaces, ensureKubernetesService, ensureDefaultStorageClass } from './bootstrap.ts';
import { defaultStorageClass } from './admission/default-storage-class.ts';
import { firstIP } from './admission/cidr.ts';
import { networkInterfaces } from 'node:os';

export interface ApiServerConfig {
  backend: Backend;
  tls: { certPem: string; keyPem: string; clientCaPem: string };
  authenticator: Authenticator;
  port: number;
  bindAddress?: string;
  serviceCIDR?: string;
  nodePortRange?: [number, number];
  /** The client certificate (and the CA of their serving certificates) for calls to kubelets: pods/log. */
  kubeletClient?: KubeletClientConfig;
  /** Serves agents' joins (/cacerts, /v1-k8ts/join); without it those paths need authentication like any other. */
  join?: JoinHandler;
  /** Issues TokenRequests and reads bound objects for service account token authentication. */
  serviceAccountTokens?: ServiceAccountTokens;
  now?: () => Date;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface ApiServer {
  readonly port: number;
  readonly services: ServerServices;
  /** For clients in this process: in-memory connections into the same handler chain, and the token they authenticate with. */
  readonly loopback: { token: string; connect(serverSide: Duplex): void };
  close(): Promise<void>;
}

export async function startApiServer(config: ApiServerConfig): Promise<ApiServer> {
  const log = config.log ?? (() => {});
  const now = config.now ?? (() => new Date());
  const segments = RESOURCES.filter((r) => !r.virtual).map((r) => r.storage);
  const cache = new WatchCache({ backend: config.backend, segments, log });
  await cache.start();

  const stores = new Map<ResourceInfo, ResourceStore>();
  const storeFor = (info: ResourceInfo): ResourceStore => {
    let s = stores.get(info);
    if (!s) stores.set(info, (s = new ResourceStore(info, { backend: config.backend, cache, now })));
    return s;
  };
  const namespaces = RESOURCES.find((r) => r.group === '' && r.resource === 'namespaces')!;
  const services = RESOURCES.find((r) => r.group === '' && r.resource === 'services')!;
  const storageClasses = RESOURCES.find((r) => r.group === 'storage.k8s.io' && r.resource === 'storageclasses')!;
  const getNamespace = async (name: string) => {
    const key = storeFor(namespaces).keyFor('', name);
    const cached = cache.resource(namespaces.storage)?.objects.get(key);
    if (cached) return cached;
    try {
      return await storeFor(namespaces).get('', name);
    } catch {
      return null;
    }
  };
  const plugins: AdmissionPlugin[] = [
    namespaceLifecycle(getNamespace),
    defaultTolerationSeconds(),
    serviceAccountAdmission(storeFor),
    defaultStorageClass(() => cache.list(storageClasses.storage, `/registry/${storageClasses.storage}/`)),
    limitRangerFor(storeFor),
    resourceQuotaFor(storeFor),
    serviceAllocation({
      serviceCIDR: config.serviceCIDR ?? '10.43.0.0/16',
      nodePortRange: config.nodePortRange ?? [30000, 32767],
      // Unsorted: a sorted list of every Service per create made 15,000 Service creates quadratic.
      existing: () => cache.resource(services.storage)?.objects.values() ?? [],
    }),
  ];

  const serverServices: ServerServices = {
    storeFor,
    admission: new AdmissionChain(plugins),
    now,
    async syncCache() {
      if (!(await cache.sync(5000))) throw newTimeout('the watch cache did not catch up with storage in time', 1);
    },
    async waitForRevision(rev: number) {
      if (!(await cache.waitFor(rev, 3000))) {
        throw newTimeout(`Too large resource version: ${rev}, current: ${cache.currentRevision()}`, 1);
      }
    },
    cacheFor(info) {
      return cache.resource(info.storage)!;
    },
    cacheRevision: () => cache.currentRevision(),
    authenticateToken: (t) => config.authenticator.authenticateToken(t),
    serviceAccountTokens: config.serviceAccountTokens,
  };
  config.serviceAccountTokens?.attach(serverServices);

  await ensureSystemNamespaces(storeFor(namespaces));
  await ensureDefaultStorageClass(storeFor(storageClasses));

  const handler = (authenticator: Authenticator) => (req: IncomingMessage, res: ServerResponse) => {
    route(req, res, { services: serverServices, authenticator, log, port: () => port, kubeletClient: config.kubeletClient, join: config.join })
      .catch((err) => {
        const code = (err as any)?.status?.code;
        if (code === undefined || code >= 500) log('request failed', { method: req.method, url: req.url, error: String((err as Error)?.stack ?? err) });
        writeError(res, err);
      });
  };
  const server: Server = createHttpsServer({
    key: config.tls.keyPem,
    cert: config.tls.certPem,
    ca: config.tls.clientCaPem,
    requestCert: true,
    rejectUnauthorized: false,
  }, handler(config.authenticator));
  // Upstream's loopback identity: a random token, good only on in-memory connections.
  const loopbackToken = randomBytes(32).toString('base64url');
  const loopbackUser = { username: 'system:apiserver', uid: randomUUID(), groups: ['system:masters', 'system:authenticated'] };
  const loopbackServer = createHttpServer(handler({
    authenticate: (req) => (req.headers.authorization === `Bearer ${loopbackToken}` ? loopbackUser : config.authenticator.authenticate(req)),
    authenticateToken: (t) => (t === loopbackToken ? loopbackUser : config.authenticator.authenticateToken(t)),
  }));
  loopbackServer.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0; // watches stream for minutes

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.bindAddress ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log('apiserver listening', { port });
  const endpoints = RESOURCES.find((r) => r.group === '' && r.resource === 'endpoints')!;
  const advertise = !config.bindAddress || config.bindAddress === '0.0.0.0' ? hostAddress() : config.bindAddress;
  await ensureKubernetesService(storeFor(services), storeFor(endpoints), firstIP(config.serviceCIDR ?? '10.43.0.0/16'), advertise, port);

  return {
    port,
    services: serverServices,
    loopback: { token: loopbackToken, connect: (serverSide) => { loopbackServer.emit('connection', serverSide); } },
    async close() {
      cache.stop();
      server.closeAllConnections();
      loopbackServer.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The host's first non-internal IPv4 address (what the kubernetes Endpoints advertise). */
function hostAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
