// Small formatters for the kubelet's user-visible text, so that events and
// reasons read exactly as upstream's do.

/** Upstream's format.Pod: name_namespace(uid). */
export function formatPod(pod: any): string {
  const m = pod.metadata;
  return `${m.name}_${m.namespace}(${m.uid})`;
}

/** Go's %v of a []string: [a b c]. */
export function goList(items: string[]): string {
  return `[${items.join(' ')}]`;
}

/** Go's time.Duration String for a duration truncated to milliseconds ("850ms", "1.5s", "2m3.004s"). */
export function goDurationMs(ms: number): string {
  const total = Math.max(0, Math.trunc(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const sMs = total % 60_000;
  const secs = `${Math.floor(sMs / 1000)}${sMs % 1000 ? `.${String(sMs % 1000).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  if (h) return `${h}h${m}m${secs}`;
  if (m) return `${m}m${secs}`;
  return secs;
}

/** The text Go's net/http and net packages give for a failed dial, from a Node socket error. */
export function dialError(host: string, port: number, err: any): string {
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused', EHOSTUNREACH: 'connect: no route to host', ENETUNREACH: 'connect: network is unreachable',
    ETIMEDOUT: 'i/o timeout', ECONNRESET: 'read: connection reset by peer',
  };
  if (err?.code === 'ENOTFOUND') return `dial tcp: lookup ${host}: no such host`;
  return `dial tcp ${addr}: ${why[err?.code] ?? String(err?.message ?? err)}`;
}
