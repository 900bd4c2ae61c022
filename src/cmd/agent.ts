// `k8ts agent`: joins this host to a k8ts server as a node, as `k3s agent`
// does. The token's K10 hash pins the server's CA: the agent fetches
// /cacerts without verification, checks the hash, and only then sends the
// token's password (over TLS verified with that CA) to get its
// certificates and pod CIDR. Then it runs the node: containerd + kubelet.
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { writeKubeconfig } from '../apiserver/kubeconfig.ts';
import { caHash, parseToken } from '../apiserver/join-token.ts';
import type { JoinToken } from '../apiserver/join-token.ts';
import type { JoinResponse } from '../apiserver/join.ts';
import { primaryIPv4 } from '../kubelet/node.ts';
import { parseLabels } from './hollow.ts';
import { parseTaints } from './taints.ts';
import { startLocalAgent } from './local-agent.ts';
import { logger } from './log.ts';
import { fetchCACerts, postJoin } from './agent-http.ts';

const USAGE = `Usage: k8ts agent --server https://HOST:PORT --token TOKEN [flags]

Flags:
  --server URL                 the k8ts server to join (env K8TS_URL)
  --token TOKEN                the server's join token, from DATA_DIR/token on the server (env K8TS_TOKEN)
  --data-dir DIR               state directory (default /var/lib/k8ts-agent)
  --node-name NAME             this node's name (default: the hostname)
  --node-labels k=v,...        labels for this node
  --node-taint key=value:Effect
                               taint this node registers with (repeatable)
  --node-ip IP                 this node's address (default: the host's first IPv4 address)
  --container-runtime-endpoint unix:///PATH
                               use this CRI socket instead of starting containerd
  --cni-bridge NAME            the pods' bridge (default k8ts0)
`;

class UsageError extends Error {}

export interface AgentFlags {
  server: URL;
  token: JoinToken;
  dataDir: string;
  nodeName: string;
  nodeLabels?: string;
  nodeTaints: string[];
  nodeIP?: string;
  runtimeEndpoint?: string;
  bridge?: string;
  help: boolean;
}

export function parseAgentFlags(argv: string[], env: Record<string, string | undefined> = process.env): AgentFlags {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      server: { type: 'string', default: env.K8TS_URL }, token: { type: 'string', default: env.K8TS_TOKEN },
      'data-dir': { type: 'string', default: '/var/lib/k8ts-agent' }, 'node-name': { type: 'string', default: hostname().toLowerCase() },
      'node-labels': { type: 'string' }, 'node-taint': { type: 'string', multiple: true, default: [] }, 'node-ip': { type: 'string' },
      'container-runtime-endpoint': { type: 'string' }, 'cni-bridge': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true } as AgentFlags;
  if (!values.server) throw new UsageError('--server is required: the URL of the k8ts server to join, such as https://10.0.0.1:6443');
  let server: URL;
  try {
    server = new URL(values.server);
  } catch {
    throw new UsageError(`--server must be a URL such as https://10.0.0.1:6443, not "${values.server}"`);
  }
  if (server.protocol !== 'https:') throw new UsageError(`--server must be an https:// URL, not "${values.server}"`);
  if (!values.token) throw new UsageError('--token is required: copy it from DATA_DIR/token on the server (default /var/lib/k8ts/token)');
  let token: JoinToken;
  try {
    token = parseToken(values.token);
  } catch (err) {
    throw new UsageError(`--token is malformed: ${(err as Error).message}. Copy the whole line of DATA_DIR/token on the server.`);
  }
  const nodeName = values['node-name']!;
  if (nodeName.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(nodeName)) {
    throw new UsageError(`--node-name "${nodeName}" is not a valid DNS subdomain (lower case letters, digits, '-' and '.')`);
  }
  const nodeIP = values['node-ip'];
  if (nodeIP !== undefined && isIP(nodeIP) === 0) throw new UsageError(`--node-ip must be an IP address, not "${nodeIP}"`);
  try {
    parseLabels(values['node-labels']);
    parseTaints(values['node-taint'] as string[]);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    server, token, dataDir: resolve(values['data-dir']!), nodeName, nodeLabels: values['node-labels'], nodeTaints: values['node-taint'] as string[],
    nodeIP, runtimeEndpoint: values['container-runtime-endpoint'], bridge: values['cni-bridge'], help: false,
  };
}

/** Fetches and checks the CA, then joins; the error messages say what to fix. */
export async function joinServer(server: URL, token: JoinToken, nodeName: string, nodeIP: string): Promise<JoinResponse> {
  const caPem = await fetchCACerts(server);
  if (token.caHash) {
    const actual = caHash(caPem);
    if (actual !== token.caHash) {
      throw new Error(`token CA hash does not match the Cluster CA certificate hash: ${token.caHash} != ${actual}. ` +
        `The token is not for the server at ${server.origin}: use the token from DATA_DIR/token on that server.`);
    }
  }
  return postJoin(server, caPem, token.password, { nodeName, nodeIP });
}

export async function runAgent(argv: string[]): Promise<number> {
  let flags: AgentFlags;
  try {
    flags = parseAgentFlags(argv);
  } catch (err) {
    process.stderr.write(`k8ts agent: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = logger('agent');
  let stopRequested = false;
  let wake = () => {};
  const onSignal = (signal: string) => {
    log('shutting down', { signal });
    stopRequested = true;
    wake();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));

  try {
    mkdirSync(join(flags.dataDir, 'cred'), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(`data dir ${flags.dataDir} is unusable: ${(err as Error).message}. Pass a writable directory with --data-dir.`);
  }
  if (!flags.token.caHash) log('the token has no CA hash (short form): the server\'s CA is trusted as first seen', { server: flags.server.origin });
  const nodeIP = flags.nodeIP ?? primaryIPv4();
  const joined = await joinServer(flags.server, flags.token, flags.nodeName, nodeIP);
  const cred = join(flags.dataDir, 'cred');
  const files = {
    ca: join(cred, 'ca.crt'), clientCert: join(cred, 'client-kubelet.crt'), clientKey: join(cred, 'client-kubelet.key'),
    servingCert: join(cred, 'kubelet-serving.crt'), servingKey: join(cred, 'kubelet-serving.key'), kubeconfig: join(cred, 'kubelet.kubeconfig'),
  };
  writeFileSync(files.ca, joined.caPem);
  writeFileSync(files.clientCert, joined.clientCertPem);
  writeFileSync(files.clientKey, joined.clientKeyPem, { mode: 0o600 });
  writeFileSync(files.servingCert, joined.servingCertPem);
  writeFileSync(files.servingKey, joined.servingKeyPem, { mode: 0o600 });
  // The kubelet talks to the address the agent was told to join, which is known to be reachable.
  await writeKubeconfig(files.kubeconfig, { server: flags.server.origin, caPem: joined.caPem, certPem: joined.clientCertPem, keyPem: joined.clientKeyPem });
  log('joined', { server: flags.server.origin, node: flags.nodeName, podCIDR: joined.podCIDR });

  let agent;
  try {
    agent = await startLocalAgent({
      dataDir: flags.dataDir, nodeName: flags.nodeName, kubeconfig: files.kubeconfig, podCIDR: joined.podCIDR,
      runtimeEndpoint: flags.runtimeEndpoint, nodeLabels: flags.nodeLabels, nodeTaints: flags.nodeTaints, nodeIP, bridge: flags.bridge,
      kubeletTls: { certFile: files.servingCert, keyFile: files.servingKey, clientCaFile: files.ca }, log,
    });
  } catch (err) {
    throw new Error(`the node could not start: ${(err as Error).message}. Install containerd and runc (scripts/install.sh) or pass --container-runtime-endpoint.`);
  }
  process.stdout.write(`k8ts agent: node ${flags.nodeName} joined ${flags.server.origin} with pod CIDR ${joined.podCIDR}\n`);
  if (!stopRequested) await new Promise<void>((done) => { wake = done; });
  await agent.stop();
  return 0;
}
