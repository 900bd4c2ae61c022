// Reads a kubeconfig (the current context's cluster and user) into a
// ClientConfig. Embedded data and file paths are both understood.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { ClientConfig } from './rest.ts';

export function loadKubeconfig(path: string, userAgent?: string): ClientConfig {
  let doc: any;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read kubeconfig ${path}: ${(err as Error).message}`);
  }
  const base = dirname(path);
  const ctxName = doc?.['current-context'] ?? doc?.contexts?.[0]?.name;
  const ctx = doc?.contexts?.find((c: any) => c.name === ctxName)?.context;
  const cluster = doc?.clusters?.find((c: any) => c.name === ctx?.cluster)?.cluster;
  const user = doc?.users?.find((u: any) => u.name === ctx?.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig ${path} has no cluster server for context "${ctxName}"`);
  const data = (inline: string | undefined, file: string | undefined): string | undefined => {
    if (inline) return Buffer.from(inline, 'base64').toString('utf8');
    if (file) return readFileSync(resolve(base, file), 'utf8');
    return undefined;
  };
  const caPem = data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (!caPem) throw new Error(`kubeconfig ${path} has no certificate authority for the cluster`);
  return {
    server: cluster.server,
    caPem,
    certPem: data(user['client-certificate-data'], user['client-certificate']),
    keyPem: data(user['client-key-data'], user['client-key']),
    token: user.token,
    userAgent,
  };
}
