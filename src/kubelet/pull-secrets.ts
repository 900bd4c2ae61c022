// Registry credentials for an image pull, as upstream's kubelet finds them:
// the pod's imagePullSecrets (kubernetes.io/dockerconfigjson and
// kubernetes.io/dockercfg) form a keyring whose keys are host[:port][/path]
// with shell globs in the host labels; every key that matches the image's
// repository gives its credentials, most specific key first, and the pull
// tries them in turn. Docker Hub images also match index.docker.io entries.

export interface AuthConfig {
  username: string;
  password: string;
  /** base64(username:password), when the secret gave only that. */
  auth?: string;
}

export interface Keyring {
  /** Credentials whose key matches the repository (no tag or digest), most specific first. */
  lookup(repository: string): AuthConfig[];
}

const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson';
const DOCKERCFG = 'kubernetes.io/dockercfg';
const DEFAULT_REGISTRY_HOST = 'index.docker.io';

/** One registry entry of a docker config: an `auth` field (base64 user:pass) wins over username/password, as Docker reads it. */
function entryCredentials(loc: string, e: any): AuthConfig {
  if (typeof e?.auth === 'string' && e.auth) {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Error(`unable to parse auth field for "${loc}", must be formatted as base64(username:password)`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { username: String(e?.username ?? ''), password: String(e?.password ?? '') };
}

/** Splits a schemeless location into host and path, as Go's url.Parse does after a prefixed https://. */
function splitLocation(loc: string): { host: string; path: string } {
  const rest = loc.replace(/^https?:\/\//, '');
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const path = end < 0 || rest[end] !== '/' ? '' : rest.slice(end).replace(/[?#].*$/, '');
  return { host: authority.slice(authority.lastIndexOf('@') + 1), path };
}

/** The keyring key of a docker config location: host, plus its path when it is more than / (with /v1/ and /v2/ meaning the host). */
function keyOf(loc: string): string {
  const { host, path } = splitLocation(loc);
  const effective = path.startsWith('/v1/') || path.startsWith('/v2/') ? path.slice(3) : path;
  return effective && effective !== '/' ? host + effective : host;
}

function splitHostPort(host: string): { labels: string[]; port: string } {
  const m = /^\[([^\]]*)\]:(\d*)$/.exec(host) ?? /^([^:]*):(\d*)$/.exec(host);
  return m ? { labels: m[1].split('.'), port: m[2] } : { labels: host.split('.'), port: '' };
}

/** Go's filepath.Match for one host label: *, ? and [classes]. */
function globMatch(pattern: string, s: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) return false; // a malformed pattern matches nothing, as filepath.Match's ErrBadPattern
      re += `[${pattern.slice(i + 1, close).replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (ch === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += ch.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(s);
}

/** Whether a keyring key (a glob URL) matches an image repository: same port, same number of host labels, each matching, path a prefix. */
export function urlsMatch(glob: string, target: string): boolean {
  const g = splitLocation(glob);
  const t = splitLocation(target);
  const gh = splitHostPort(g.host);
  const th = splitHostPort(t.host);
  if (gh.port !== th.port || gh.labels.length !== th.labels.length) return false;
  if (!t.path.startsWith(g.path)) return false;
  return gh.labels.every((p, i) => globMatch(p, th.labels[i]));
}

/** Whether the repository is pulled from Docker Hub, judging by its first component. */
export function isDefaultRegistryMatch(repository: string): boolean {
  const slash = repository.indexOf('/');
  if (slash === 0 || !repository) return false;
  if (slash < 0) return true;
  const first = repository.slice(0, slash);
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !/[.:]/.test(first);
}

/** A keyring from docker config maps (location → entry). Malformed entries are reported through onError and skipped. */
export function makeKeyring(configs: Record<string, any>[], onError: (msg: string) => void = () => undefined): Keyring {
  const creds = new Map<string, AuthConfig[]>();
  for (const cfg of configs) {
    for (const [loc, entry] of Object.entries(cfg ?? {})) {
      let auth: AuthConfig;
      try {
        auth = entryCredentials(loc, entry);
      } catch (err) {
        onError((err as Error).message);
        continue;
      }
      const key = keyOf(loc);
      if (!creds.has(key)) creds.set(key, []);
      creds.get(key)!.push(auth);
    }
  }
  // Reverse lexical order puts longer paths of one host first (quay.io/coreos before quay.io).
  const index = [...creds.keys()].sort().reverse();
  return {
    lookup(repository) {
      const out = index.filter((k) => urlsMatch(k, repository)).flatMap((k) => creds.get(k)!);
      if (out.length) return out;
      if (isDefaultRegistryMatch(repository)) return creds.get(DEFAULT_REGISTRY_HOST) ?? [];
      return [];
    },
  };
}

/** The docker config map (location → entry) a pull secret carries, or undefined for other secret types. */
export function secretDockerConfig(secret: any): Record<string, any> | undefined {
  const data = secret?.data ?? {};
  const decode = (k: string) => (typeof data[k] === 'string' && data[k] ? JSON.parse(Buffer.from(data[k], 'base64').toString('utf8')) : undefined);
  if (secret?.type === DOCKERCONFIGJSON) return decode('.dockerconfigjson')?.auths;
  if (secret?.type === DOCKERCFG) return decode('.dockercfg');
  return undefined;
}

/** The repository an image pulls from, normalized as docker's reference parser does (busybox → docker.io/library/busybox), without tag or digest. */
export function repositoryOf(image: string): string {
  let name = image.split('@')[0];
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) name = name.slice(0, colon);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  if (!hasDomain) return `docker.io/${slash < 0 ? 'library/' : ''}${name}`;
  if (first === 'index.docker.io') return `docker.io${name.slice(slash)}`;
  return name;
}

/** The image with ":latest" added when it names neither a tag nor a digest, as upstream's applyDefaultImageTag. */
export function withDefaultTag(image: string): string {
  if (image.includes('@')) return image;
  const lastSlash = image.lastIndexOf('/');
  return image.lastIndexOf(':') > lastSlash ? image : `${image}:latest`;
}

export interface SecretSource {
  secret(name: string): Promise<any | undefined>;
  serviceAccount(name: string): Promise<any | undefined>;
}

/**
 * The secrets the pod pulls with: its imagePullSecrets, or, when it names
 * none, its ServiceAccount's (what upstream's ServiceAccount admission copies
 * into the pod). Names that cannot be read are returned in `missing`.
 */
export async function podPullSecrets(pod: any, src: SecretSource): Promise<{ secrets: any[]; missing: string[] }> {
  let refs: { name?: string }[] = pod.spec?.imagePullSecrets ?? [];
  if (!refs.length) {
    const sa = await src.serviceAccount(pod.spec?.serviceAccountName || 'default').catch(() => undefined);
    refs = sa?.imagePullSecrets ?? [];
  }
  const secrets: any[] = [];
  const missing: string[] = [];
  for (const r of refs) {
    if (!r?.name) continue;
    const s = await src.secret(r.name).catch(() => undefined);
    if (s) secrets.push(s);
    else missing.push(r.name);
  }
  return { secrets, missing };
}
