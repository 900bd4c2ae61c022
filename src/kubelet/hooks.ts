// Lifecycle hooks (postStart, preStop) as upstream's handler runner runs
// them: exec through CRI ExecSync, httpGet to the pod IP (only a failed
// request fails it: the status code does not matter), and sleep. A failure
// comes back as the message upstream puts in FailedPostStartHook and
// FailedPreStopHook events.
import type { CriClient } from './cri/client.ts';
import { formatPod, goList } from './messages.ts';
import { httpGet, httpTarget } from './probe-handlers.ts';

export interface HookTarget {
  cri: CriClient;
  pod: any;
  container: any;
  containerId: string;
  podIP: string;
}

/** Go's %q for the text of a command's output (close enough for events: JSON escapes the same characters that matter). */
const quote = (s: string) => JSON.stringify(s);

/** Runs one hook handler; resolves with the failure message, or undefined when it succeeded. */
export async function runHook(handler: any, t: HookTarget, timeoutSeconds: number): Promise<string | undefined> {
  const where = `for Container "${t.container.name}" in Pod "${formatPod(t.pod)}"`;
  if (handler?.exec) {
    const cmd: string[] = handler.exec.command ?? [];
    try {
      const r = await t.cri.execSync(t.containerId, cmd, Math.max(1, Math.ceil(timeoutSeconds)));
      if (r.exitCode === 0) return undefined;
      const stderr = (r.stderr ?? Buffer.alloc(0)).toString();
      const output = Buffer.concat([r.stdout ?? Buffer.alloc(0), r.stderr ?? Buffer.alloc(0)]).toString();
      return `Exec lifecycle hook (${goList(cmd)}) ${where} failed - error: command '${cmd.join(' ')}' exited with ${r.exitCode}: ${stderr}, message: ${quote(output)}`;
    } catch (err: any) {
      return `Exec lifecycle hook (${goList(cmd)}) ${where} failed - error: ${String(err?.details ?? err?.message ?? err)}, message: ""`;
    }
  }
  if (handler?.httpGet) {
    const g = handler.httpGet;
    try {
      await httpGet(httpTarget({ ...g, path: g.path ?? '' }, t.container, t.podIP), timeoutSeconds * 1000);
      return undefined;
    } catch (err) {
      return `HTTP lifecycle hook (${g.path ?? ''}) ${where} failed - error: ${(err as Error).message}`;
    }
  }
  if (handler?.sleep) {
    const ms = Math.min(Number(handler.sleep.seconds ?? 0), timeoutSeconds) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, ms)));
    return undefined;
  }
  return undefined;
}

/** Runs a hook but stops waiting after timeoutSeconds (a preStop hook must not outlast the grace period): 'timeout', or what runHook says. */
export async function runHookWithin(handler: any, t: HookTarget, timeoutSeconds: number): Promise<string | undefined | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), timeoutSeconds * 1000);
  });
  try {
    return await Promise.race([runHook(handler, t, timeoutSeconds), expired]);
  } finally {
    clearTimeout(timer);
  }
}
