// `k8ts scheduler`: the kube-scheduler, against an apiserver through the
// client only (leader-elected). `k8ts explain-scheduling -n NS POD` prints
// the scheduler's record of a pod's last attempt.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Client } from '../client/rest.ts';
import { loadKubeconfig } from '../client/kubeconfig.ts';
import { LeaderElector } from '../client/leader-election.ts';
import { createSchedulerComponent, loadSchedulerConfig, startExplainServer } from '../scheduler/index.ts';
import type { ExplainedAttempt } from '../scheduler/index.ts';
import { logger } from './log.ts';

/** Upstream spells booleans --flag=false; parseArgs wants --no-flag. */
function normalizeBooleans(argv: string[]): string[] {
  return argv.map((a) => (a === '--leader-elect=false' ? '--no-leader-elect' : a === '--leader-elect=true' ? '--leader-elect' : a));
}

export async function runScheduler(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: normalizeBooleans(argv), strict: true,
    options: {
      kubeconfig: { type: 'string' }, 'scheduler-config': { type: 'string' },
      'leader-elect': { type: 'boolean', default: true }, 'no-leader-elect': { type: 'boolean', default: false },
      'explain-port': { type: 'string', default: '10259' }, 'explain-address': { type: 'string', default: '127.0.0.1' },
    },
  });
  if (!values.kubeconfig) {
    process.stderr.write('k8ts scheduler: --kubeconfig PATH is required\n');
    return 2;
  }
  let config;
  try {
    config = loadSchedulerConfig(values['scheduler-config'] ? readFileSync(values['scheduler-config'], 'utf8') : undefined);
  } catch (err) {
    process.stderr.write(`k8ts scheduler: ${(err as Error).message}\n`);
    return 2;
  }
  const port = Number(values['explain-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`k8ts scheduler: --explain-port must be a port number (0 disables), not "${values['explain-port']}"\n`);
    return 2;
  }
  const log = logger('scheduler');
  const client = new Client(loadKubeconfig(values.kubeconfig, 'k8ts-scheduler'));
  let component;
  try {
    component = createSchedulerComponent({ client, config, log });
  } catch (err) {
    process.stderr.write(`k8ts scheduler: ${(err as Error).message}\n`);
    return 2;
  }
  let explain: Awaited<ReturnType<typeof startExplainServer>> | null = null;
  try {
    if (port > 0) explain = await startExplainServer(component.scheduler.records, port, values['explain-address']);
  } catch (err) {
    // Scheduling matters more than its explanations: run on without the endpoint.
    log('explain endpoint not started', { port, error: String(err) });
  }
  if (explain) log('explain endpoint listening', { address: `http://${values['explain-address']}:${explain.port}` });
  const start = () => component.start().catch((err) => log('scheduler failed to start', { error: String(err) }));
  let elector: LeaderElector | null = null;
  let lost = false;
  const stopped = new Promise<void>((done) => {
    process.once('SIGTERM', () => done());
    process.once('SIGINT', () => done());
  });
  if (values['leader-elect'] && !values['no-leader-elect']) {
    elector = new LeaderElector({
      client, namespace: 'kube-system', name: 'kube-scheduler', identity: `${hostname()}_${randomUUID()}`, log,
      onStartedLeading: () => { void start(); },
      // As upstream: a scheduler that lost its lease exits rather than bind on stale state.
      onStoppedLeading: () => { lost = true; process.kill(process.pid, 'SIGTERM'); },
    });
    elector.start();
  } else {
    await start();
  }
  await stopped;
  await elector?.stop();
  await component.stop();
  await explain?.close();
  client.close();
  return lost ? 1 : 0;
}

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd()).join('\n') + '\n';
}

export function formatExplanation(e: ExplainedAttempt): string {
  let out = `Pod:        ${e.pod}\nProfile:    ${e.profile}\nAttempt:    ${e.attempt} at ${e.time}\nResult:     ${e.result}${e.node ? ` on ${e.node}` : ''}\n`;
  if (e.message) out += `Message:    ${e.message}\n`;
  out += `Nodes:      ${e.numAllNodes} in cluster, ${e.evaluatedNodes} evaluated, ${e.feasibleNodes} feasible\n\nFilter:\n`;
  out += pad([['NODE', 'VERDICT', 'PLUGIN', 'REASONS'], ...e.filters.map((f) => [f.node, f.verdict, f.plugin ?? '', (f.reasons ?? []).join('; ')])]);
  if (e.scores.length) {
    const plugins = Object.keys(e.scores[0].plugins);
    out += '\nScore (normalized score x weight):\n';
    out += pad([['NODE', 'TOTAL', ...plugins.map((p) => `${p}(x${e.scores[0].plugins[p].weight})`)],
      ...e.scores.map((s) => [s.node + (s.node === e.node ? ' *' : ''), String(s.total), ...plugins.map((p) => String(s.plugins[p].score))])]);
  }
  out += `\nWhy: ${e.why}\n`;
  return out;
}

export async function runExplainScheduling(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n', default: 'default' },
      'scheduler-address': { type: 'string', default: 'http://127.0.0.1:10259' },
      output: { type: 'string', short: 'o', default: '' },
    },
  });
  if (positionals.length !== 1) {
    process.stderr.write('Usage: k8ts explain-scheduling [-n NAMESPACE] [--scheduler-address URL] [-o json] POD\n');
    return 2;
  }
  const url = `${values['scheduler-address']!.replace(/\/$/, '')}/explain/${encodeURIComponent(values.namespace!)}/${encodeURIComponent(positionals[0])}`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    process.stderr.write(`k8ts explain-scheduling: cannot reach the scheduler at ${values['scheduler-address']}: ${(err as Error).message}\n`);
    return 1;
  }
  const body = await res.json() as any;
  if (!res.ok) {
    process.stderr.write(`k8ts explain-scheduling: ${body?.message ?? res.statusText}\n`);
    return 1;
  }
  process.stdout.write(values.output === 'json' ? JSON.stringify(body, null, 2) + '\n' : formatExplanation(body));
  return 0;
}

// Lets tests and operators start it directly: node src/cmd/scheduler.ts scheduler|explain-scheduling …
if (import.meta.main) {
  const [cmd, ...rest] = process.argv.slice(2);
  const run = cmd === 'explain-scheduling' ? runExplainScheduling : runScheduler;
  run(cmd === 'explain-scheduling' || cmd === 'scheduler' ? rest : process.argv.slice(2)).then((code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`k8ts: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; });
}
