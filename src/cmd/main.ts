// Entry point of bin/k8ts: picks a subcommand and hands it the rest of argv.
import { runVersion } from './version.ts';
import { runServer } from './server.ts';
import { runControllerManager } from './controller-manager.ts';
import { runHollow } from './hollow.ts';
import { runScheduler, runExplainScheduling } from './scheduler.ts';
import { exitWithParent } from './supervisor.ts';
import { runKubelet } from './kubelet.ts';
import { runAgent } from './agent.ts';

type Command = { summary: string; run: (argv: string[]) => Promise<number> };

const commands: Record<string, Command> = {
  server: { summary: 'Run the control plane (API server, storage) on this host', run: runServer },
  agent: { summary: 'Join this host to a k8ts server as a node (containerd + kubelet)', run: runAgent },
  'controller-manager': { summary: 'Run the controllers against an apiserver (started by server)', run: runControllerManager },
  scheduler: { summary: 'Run the scheduler against an apiserver (started by server)', run: runScheduler },
  'explain-scheduling': { summary: "Show a pod's last scheduling attempt: filter verdicts, scores, why", run: runExplainScheduling },
  kubelet: { summary: 'Run a node: register it and run its pods through containerd (started by server)', run: runKubelet },
  hollow: { summary: 'Run simulated nodes (kwok-like) against a cluster', run: runHollow },
  version: { summary: 'Print the k8ts version', run: runVersion },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `Usage: k8ts <command> [flags]\n\nCommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`k8ts: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  return command.run(rest);
}

exitWithParent();
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`k8ts: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
