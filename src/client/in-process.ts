// The in-process transport. A component that lives in the API server's own
// process reaches it through an in-memory stream pair handed to the same
// request handler the network listener uses: HTTP parsing, authentication,
// authorization, admission and validation all run; only the socket (and TLS)
// is skipped. It authenticates with the server's loopback token, as
// upstream's loopback client does.
import { duplexPair } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { ClientConfig } from './rest.ts';

/** Hands the server's end of a new connection to the API server. */
export type Connector = (serverSide: Duplex) => void;

export interface Loopback {
  token: string;
  connect: Connector;
}

/** A new in-memory connection: the client's end; the server's end went to `connect`. */
export function inProcessSocket(connect: Connector): Duplex {
  const [client, server] = duplexPair();
  connect(server);
  return client;
}

export function inProcessClientConfig(loopback: Loopback, userAgent = 'k8ts-loopback'): ClientConfig {
  return { server: 'http://in-process', caPem: '', token: loopback.token, userAgent, connect: loopback.connect };
}
