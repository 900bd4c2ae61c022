// EnsureImageExists, as upstream's kubelet image manager does it: the pull
// policy decides whether to look for the image or pull it, a failed pull
// backs off per pod and image (10 s doubling to 5 min) with the last error
// carried into the ImagePullBackOff message, and credentials come from the
// pod's pull secrets (tried one after another until one works). Events and
// messages read as upstream's: Pulling, Pulled, Failed, BackOff,
// ErrImageNeverPull, FailedToRetrieveImagePullSecret.
import { RESOURCES } from '../api/resources.ts';
import type { Client } from '../client/rest.ts';
import type { Backoff } from './backoff.ts';
import { apiObjects } from './volumes/api.ts';
import type { Waiting } from './status.ts';
import { goDurationMs } from './messages.ts';
import { makeKeyring, podPullSecrets, repositoryOf, secretDockerConfig, withDefaultTag } from './pull-secrets.ts';
import type { AuthConfig, SecretSource } from './pull-secrets.ts';

export interface ImageRuntime {
  imageStatus(image: string): Promise<{ id: string } | undefined>;
  pullImage(image: string, sandboxConfig?: unknown, auth?: AuthConfig): Promise<string>;
}

export interface ImageContext {
  cri: ImageRuntime;
  backoff: Backoff;
  secrets: SecretSource;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  log(msg: string, fields?: Record<string, unknown>): void;
  /** Formats a runtime error as the kubelet shows it (gRPC status text). */
  errorText(err: unknown): string;
}

/** On success, the image's CRI status too when it was read (the caller needs its user, and need not ask again). */
export type EnsureResult = { imageRef: string; status?: unknown } | { waiting: Waiting; retryInMs?: number };

/** The last failed pull per back-off key: when, and the error the back-off message repeats. */
const lastFailures = new WeakMap<Backoff, Map<string, { at: number; text: string }>>();

function failuresOf(b: Backoff): Map<string, { at: number; text: string }> {
  let m = lastFailures.get(b);
  if (!m) lastFailures.set(b, m = new Map());
  return m;
}

const SERVICEACCOUNTS = RESOURCES.find((r) => r.group === '' && r.resource === 'serviceaccounts')!;

/** Pull secrets and ServiceAccounts of one namespace, read through the API (absent ones as undefined). */
export function imagePullSources(client: Client, namespace: string): SecretSource {
  return {
    secret: (name) => apiObjects(client, namespace).secret(name),
    serviceAccount: async (name) => {
      try {
        return await client.get(SERVICEACCOUNTS, namespace, name);
      } catch (err) {
        if ((err as any)?.status?.code === 404) return undefined;
        throw err;
      }
    },
  };
}

/** The default pull policy the API server would have set: Always for :latest or an untagged image, else IfNotPresent. */
export function pullPolicyOf(c: any): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  if (String(c.image).includes('@')) return 'IfNotPresent';
  return withDefaultTag(c.image).endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

function failed(ctx: ImageContext, reason: string, message: string, retryInMs?: number): EnsureResult {
  // Upstream's startContainer reports every EnsureImageExists failure this way.
  ctx.event('Warning', 'Failed', `Error: ${reason}`);
  return { waiting: { reason, message }, ...(retryInMs !== undefined ? { retryInMs } : {}) };
}

/** Pulls with each matching credential in turn (or none when nothing matches); the errors of all tries when none works. */
async function pullWithCredentials(ctx: ImageContext, image: string, creds: AuthConfig[], sandboxConfig: unknown): Promise<string> {
  if (!creds.length) return ctx.cri.pullImage(image, sandboxConfig);
  const errors: string[] = [];
  for (const auth of creds) {
    try {
      return await ctx.cri.pullImage(image, sandboxConfig, auth);
    } catch (err) {
      errors.push(ctx.errorText(err));
    }
  }
  // utilerrors.NewAggregate: one error reads as itself, more as a bracketed list.
  throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
}

async function credentialsFor(ctx: ImageContext, pod: any, image: string): Promise<AuthConfig[]> {
  const { secrets, missing } = await podPullSecrets(pod, ctx.secrets);
  if (missing.length) {
    ctx.event('Warning', 'FailedToRetrieveImagePullSecret',
      `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
  }
  const configs: Record<string, any>[] = [];
  for (const s of secrets) {
    try {
      const cfg = secretDockerConfig(s);
      if (cfg) configs.push(cfg);
    } catch (err) {
      ctx.log('unreadable image pull secret', { secret: `${s.metadata?.namespace}/${s.metadata?.name}`, error: String((err as Error).message) });
    }
  }
  return makeKeyring(configs, (msg) => ctx.log('bad image pull secret entry', { error: msg })).lookup(repositoryOf(image));
}

/** Makes sure the container's image is on the node; its imageRef, or the waiting state to report and when to try again. */
export async function ensureImageExists(ctx: ImageContext, pod: any, c: any, sandboxConfig: unknown): Promise<EnsureResult> {
  const requested: string = c.image;
  const image = withDefaultTag(requested);
  const policy = pullPolicyOf(c);
  if (policy !== 'Always') {
    const present = await ctx.cri.imageStatus(image);
    if (present) {
      ctx.event('Normal', 'Pulled', `Container image "${requested}" already present on machine`);
      return { imageRef: present.id, status: present };
    }
    if (policy === 'Never') {
      const message = `Container image "${requested}" is not present with pull policy of Never`;
      ctx.event('Warning', 'ErrImageNeverPull', message);
      return failed(ctx, 'ErrImageNeverPull', message);
    }
  }
  const key = `${pod.metadata.uid}/${image}`;
  const failures = failuresOf(ctx.backoff);
  const last = failures.get(key);
  if (last && ctx.backoff.inBackoffSince(key, last.at)) {
    const message = `Back-off pulling image "${image}"`;
    ctx.event('Normal', 'BackOff', message);
    return failed(ctx, 'ImagePullBackOff', `${message}: ${last.text}`, ctx.backoff.remaining(key, last.at));
  }
  failures.delete(key);
  ctx.event('Normal', 'Pulling', `Pulling image "${image}"`);
  const started = Date.now();
  try {
    const creds = await credentialsFor(ctx, pod, image);
    const ref = await pullWithCredentials(ctx, image, creds, sandboxConfig);
    const took = goDurationMs(Date.now() - started);
    const status = await ctx.cri.imageStatus(ref).catch(() => undefined);
    const size = (status as { size?: string } | undefined)?.size ?? '0';
    ctx.event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`);
    ctx.backoff.reset(key);
    return { imageRef: ref, ...(status ? { status } : {}) };
  } catch (err) {
    const text = err instanceof Error && !('code' in err) ? err.message : ctx.errorText(err);
    ctx.event('Warning', 'Failed', `Failed to pull image "${image}": ${text}`);
    const now = Date.now();
    ctx.backoff.next(key, now);
    failures.set(key, { at: now, text: `ErrImagePull: ${text}` });
    // Entries of pods long gone would pile up: drop those older than the longest back-off twice over.
    for (const [k, f] of failures) if (now - f.at > 600_000) failures.delete(k);
    ctx.log('image pull failed', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, image, error: text });
    return failed(ctx, 'ErrImagePull', text, ctx.backoff.get(key));
  }
}
