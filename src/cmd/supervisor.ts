// Runs a k8ts subcommand as a child process (as k3s runs its components),
// restarts it with backoff if it dies, and stops it on shutdown.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Log } from './log.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface Supervised {
  stop(): Promise<void>;
}

export function supervise(name: string, args: string[], log: Log): Supervised {
  let child: ChildProcess | null = null;
  let stopping = false;
  let backoff = 500;
  const launch = () => {
    const started = Date.now();
    // The IPC channel is how a component notices that the server died even
    // by SIGKILL: it closes, and the child exits (see exitWithParent).
    child = spawn(process.execPath, [...process.execArgv, MAIN, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('exit', (code, signal) => {
      child = null;
      if (stopping) return;
      if (Date.now() - started > 30_000) backoff = 500;
      // A Ctrl-C reaches the components too (one process group), so a component
      // may exit just before the server begins to stop it: decide after the
      // backoff, and say "restarting" only when it really restarts.
      const exited = { component: name, code, signal };
      setTimeout(() => {
        if (stopping) return;
        log('component exited; restarting', exited);
        launch();
      }, backoff);
      backoff = Math.min(backoff * 2, 30_000);
    });
  };
  launch();
  return {
    async stop() {
      stopping = true;
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** In a supervised component: exit when the supervising server goes away. */
export function exitWithParent(): void {
  if (!process.send) return;
  process.on('disconnect', () => process.exit(0));
  // The channel must not keep the process alive on its own.
  process.channel?.unref();
}
