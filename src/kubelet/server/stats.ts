// GET /stats/summary: upstream's statsapi.Summary as JSON
// (?only_cpu_and_memory=true leaves out the filesystem figures, as
// metrics-server asks).
import type { ServerResponse } from 'node:http';
import type { Summary } from '../stats.ts';
import { KubeletHttpError } from './container-logs.ts';

export type SummaryProvider = (opts: { onlyCpuAndMemory: boolean }) => Promise<Summary>;

export const SUMMARY_PATH = '/stats/summary';

export async function serveSummary(res: ServerResponse, method: string | undefined, query: URLSearchParams, provider: SummaryProvider): Promise<void> {
  if (method !== 'GET' && method !== 'HEAD') throw new KubeletHttpError(405, 'Method Not Allowed');
  const summary = await provider({ onlyCpuAndMemory: query.get('only_cpu_and_memory') === 'true' });
  const body = JSON.stringify(summary);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(method === 'HEAD' ? undefined : body);
}
