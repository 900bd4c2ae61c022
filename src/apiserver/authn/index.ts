// Authentication: client certificates signed by the cluster CA (user = CN,
// groups = O) and bearer tokens from a table (join tokens, service account
// tokens later). Anonymous requests are refused with 401.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | null;
  authenticateToken(token: string): UserInfo | null;
}

export interface AuthenticatorConfig {
  /** The CA the TLS server was given; the socket's `authorized` says whether a cert chains to it. */
  clientCaPem: string;
  tokens: Map<string, UserInfo>;
  /** Asked in order for bearer tokens the table does not know. */
  tokenAuthenticators?: ((token: string) => UserInfo | null)[];
}

function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes('system:authenticated') ? u : { ...u, groups: [...u.groups, 'system:authenticated'] };
}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function createAuthenticator(config: AuthenticatorConfig): Authenticator {
  const byToken = (token: string): UserInfo | null => {
    const u = config.tokens.get(token);
    if (u) return withAuthenticated(u);
    for (const authenticate of config.tokenAuthenticators ?? []) {
      const found = authenticate(token);
      if (found) return withAuthenticated(found);
    }
    return null;
  };
  // A connection's certificate cannot change, and reading it is costly
  // (it was most of the per-request CPU under load): decide once per socket.
  const certUsers = new WeakMap<TLSSocket, UserInfo | null>();
  const certUser = (socket: TLSSocket): UserInfo | null => {
    let u = certUsers.get(socket);
    if (u === undefined) {
      const peer = socket.getPeerCertificate();
      const cn = asList(peer?.subject?.CN)[0];
      u = cn ? withAuthenticated({ username: cn, groups: asList(peer.subject.O) }) : null;
      certUsers.set(socket, u);
    }
    return u;
  };
  return {
    authenticateToken: byToken,
    authenticate(req) {
      const socket = req.socket as TLSSocket;
      if (socket.authorized) {
        const u = certUser(socket);
        if (u) return u;
      }
      const header = req.headers.authorization;
      if (header?.startsWith('Bearer ')) return byToken(header.slice(7).trim());
      return null;
    },
  };
}

/** Upstream's 401 body. */
export function unauthorizedStatus(): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };
}
