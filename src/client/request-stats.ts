// Counts this process's API requests by verb and resource (and the watch
// events it receives), for the SLO harness's requests-per-pod report.
// Off unless K8TS_CLIENT_STATS_DIR names a directory; then the counts are
// written there as <user-agent>-<pid>.json every 2 s and at exit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const counts = new Map<string, number>();
let agent = 'k8ts';
let changed = false;
const dir = process.env.K8TS_CLIENT_STATS_DIR;
/** Callers skip describing their requests when nobody counts them. */
export const STATS_ENABLED = Boolean(dir);

/** "create pods", "update deployments/status", "list pods", "watch-event pods"… from a method and an API path. */
export function describeRequest(method: string, path: string): string {
  const q = path.indexOf('?');
  const parts = (q >= 0 ? path.slice(0, q) : path).split('/').filter(Boolean);
  // /api/v1/... or /apis/group/version/...
  let i = parts[0] === 'api' ? 2 : 3;
  if (parts[i] === 'namespaces' && parts.length > i + 2) i += 2;
  const resource = parts[i] ?? '';
  const name = parts[i + 1];
  const sub = parts[i + 2];
  const watch = q >= 0 && /[?&]watch=(1|true)/.test(path.slice(q));
  const verb = method === 'GET' ? (watch ? 'watch' : name ? 'get' : 'list')
    : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : method.toLowerCase();
  return `${verb} ${resource}${sub ? `/${sub}` : ''}`;
}

export function countRequest(key: string): void {
  if (!STATS_ENABLED) return;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  changed = true;
}

export function requestCounts(): Record<string, number> {
  return Object.fromEntries([...counts].sort());
}

if (dir) {
  const flush = () => {
    // A synchronous write on a busy disk is not free: only when something was counted.
    if (!changed) return;
    changed = false;
    try {
      writeFileSync(join(dir, `${agent}-${process.pid}.json`), JSON.stringify(requestCounts()));
    } catch { /* the harness removed its directory */ }
  };
  setInterval(flush, 2000).unref();
  process.on('exit', flush);
}

/** Names the file after the first client's user agent (the component). */
export function setStatsAgent(userAgent: string): void {
  if (agent === 'k8ts') agent = userAgent.replace(/[^\w.-]/g, '_');
}
