// A real API server inside the test process: a fresh PKI in a temp dir,
// memory storage, listening on 127.0.0.1, with an in-process client that
// goes through the whole handler chain as system:apiserver.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryBackend } from '../../src/storage/memory/index.ts';
import type { MemoryBackend } from '../../src/storage/memory/index.ts';
import { ensurePki } from '../../src/apiserver/pki/index.ts';
import type { Pki } from '../../src/apiserver/pki/index.ts';
import { createAuthenticator } from '../../src/apiserver/authn/index.ts';
import type { AuthenticatorConfig } from '../../src/apiserver/authn/index.ts';
import { startApiServer } from '../../src/apiserver/server.ts';
import type { ApiServer, ApiServerConfig } from '../../src/apiserver/server.ts';
import { Client } from '../../src/client/rest.ts';
import { inProcessClientConfig } from '../../src/client/in-process.ts';

export interface TestApiServer {
  dir: string;
  pki: Pki;
  backend: MemoryBackend;
  server: ApiServer;
  client: Client;
  close(): Promise<void>;
}

export interface TestApiServerExtras {
  /** More of the server's config (e.g. serviceAccountTokens). */
  config?: Partial<ApiServerConfig>;
  /** Bearer-token authenticators beside client certificates. */
  tokenAuthenticators?: AuthenticatorConfig['tokenAuthenticators'];
}

/** `extras` is given the temp dir, for state (keys) that lives there. */
export async function startTestApiServer(extras: (dir: string) => TestApiServerExtras = () => ({})): Promise<TestApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-apiserver-'));
  const more = extras(dir);
  const pki = await ensurePki({ dir, hostAddresses: [] });
  const backend = createMemoryBackend();
  const server = await startApiServer({
    backend, port: 0, bindAddress: '127.0.0.1',
    tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.clientCaPem },
    authenticator: createAuthenticator({ clientCaPem: pki.clientCaPem, tokens: new Map(), tokenAuthenticators: more.tokenAuthenticators }),
    ...more.config,
  });
  const client = new Client(inProcessClientConfig(server.loopback));
  return {
    dir, pki, backend, server, client,
    async close() {
      client.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
