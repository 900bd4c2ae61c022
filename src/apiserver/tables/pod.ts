// The Pod row, with upstream's STATUS reasoning: init progress, waiting and
// terminated reasons, sidecars, Terminating, and restarts with "(5m ago)".
import { age, humanDuration } from './format.ts';

function initRestartable(pod: any, name: string): boolean {
  return (pod.spec?.initContainers ?? []).some((c: any) => c.name === name && c.restartPolicy === 'Always');
}

function condTrue(pod: any, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
}

export function podRow(pod: any, now: Date): { cells: unknown[]; wide: unknown[] } {
  const status = pod.status ?? {};
  let restarts = 0;
  let sidecarRestarts = 0;
  let readyContainers = 0;
  let lastRestart = 0;
  let totalContainers = (pod.spec?.containers ?? []).length;
  let reason: string = status.reason || status.phase || 'Pending';
  if ((status.conditions ?? []).some((c: any) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  const noteRestart = (c: any) => {
    const f = c.lastState?.terminated?.finishedAt;
    if (f && Date.parse(f) > lastRestart) lastRestart = Date.parse(f);
  };
  for (const c of pod.spec?.initContainers ?? []) if (c.restartPolicy === 'Always') totalContainers++;

  let initializing = false;
  const inits: any[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    restarts += c.restartCount ?? 0;
    noteRestart(c);
    if (initRestartable(pod, c.name)) {
      sidecarRestarts += c.restartCount ?? 0;
      if (c.started) {
        if (c.ready) readyContainers++;
        continue;
      }
    }
    const t = c.state?.terminated;
    const w = c.state?.waiting;
    if (t && t.exitCode === 0) continue;
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    else if (w?.reason && w.reason !== 'PodInitializing') reason = `Init:${w.reason}`;
    else reason = `Init:${i}/${(pod.spec?.initContainers ?? []).length}`;
    initializing = true;
    break;
  }
  if (!initializing || condTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    let hasRunning = false;
    const cs: any[] = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      restarts += c.restartCount ?? 0;
      noteRestart(c);
      const w = c.state?.waiting;
      const t = c.state?.terminated;
      if (w?.reason) reason = w.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = condTrue(pod, 'Ready') ? 'Running' : 'NotReady';
  }
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && !terminal) reason = 'Terminating';

  const restartsText = restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);
  const gates: any[] = pod.spec?.readinessGates ?? [];
  const gatesText = gates.length === 0 ? '<none>'
    : `${gates.filter((g) => condTrue(pod, g.conditionType)).length}/${gates.length}`;
  return {
    cells: [pod.metadata?.name, `${readyContainers}/${totalContainers}`, reason, restartsText, age(pod.metadata?.creationTimestamp, now)],
    wide: [status.podIP || '<none>', pod.spec?.nodeName || '<none>', status.nominatedNodeName || '<none>', gatesText],
  };
}
