// The factory's first contact: ask every endpoint at once and use the first
// that answers. When none does within the dial timeout, fail with a message
// that names the endpoints and the last cause, instead of hanging.
import type * as grpc from '@grpc/grpc-js';
import { StorageError } from '../backend.ts';
import type { EtcdClient } from './client.ts';

/** Resolves with the index of the first endpoint that answers a Range. */
export async function dial(client: EtcdClient, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const urls = client.endpointUrls;
  const causes: string[] = urls.map(() => 'no answer');
  let won = false;
  const attempt = async (i: number): Promise<number> => {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || won) throw new Error(causes[i]);
      try {
        const res = await client.callOn<{ header: { revision: string } }>(i, 'KV', 'Range', { key: Buffer.from([0]), count_only: true }, left);
        client.seen(res.header);
        won = true;
        return i;
      } catch (e) {
        const err = e as grpc.ServiceError;
        causes[i] = err.details ?? err.message;
        await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))));
      }
    }
  };
  try {
    return await Promise.any(urls.map((_, i) => attempt(i)));
  } catch (err) {
    const detail = urls.map((u, i) => `${u}: ${causes[i]}`).join('; ');
    throw new StorageError('Unavailable', `cannot reach etcd at ${urls.join(', ')} within ${timeoutMs} ms (${detail})`, { cause: err });
  }
}
