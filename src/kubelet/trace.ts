// Opt-in timing of each pod's way to Running, read by bench/podstartup.ts
// to say where the kubelet's time goes. With K8TS_KUBELET_TRACE=FILE the
// kubelet appends one JSON line per step ({ uid, step, t } with t in epoch
// ms) and, every second, the event loop's delay over that second ({ eld }).
// Without it every call is a no-op: nothing is measured or written.
// With both set, K8TS_KUBELET_CPU_PROF=FILE also records a V8 CPU profile of
// the kubelet from the first pod it traces, written to FILE when the process
// exits (the kubelet runs as a child of `k8ts server`, where NODE_OPTIONS
// would profile every component).
import { createWriteStream, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { WriteStream } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

let out: WriteStream | undefined;

function open(): WriteStream | undefined {
  const path = process.env.K8TS_KUBELET_TRACE;
  if (!path || out) return out;
  out = createWriteStream(path, { flags: 'a' });
  startProfile();
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  setInterval(() => {
    if (h.count) out!.write(`${JSON.stringify({ eld: { max: h.max / 1e6, p99: h.percentile(99) / 1e6, mean: h.mean / 1e6 }, t: Date.now() })}\n`);
    h.reset();
  }, 1000).unref();
  return out;
}

const enabled = !!process.env.K8TS_KUBELET_TRACE;

/** Notes that the pod reached a step (only when tracing is on). */
export function trace(uid: string, step: string): void {
  if (!enabled) return;
  open()?.write(`${JSON.stringify({ uid, step, t: Date.now() })}\n`);
}

/** Starts the CPU profile at the first pod traced (open() runs once): `k8ts server` loads this module too, but only the kubelet traces pods. */
function startProfile(): void {
  const profilePath = process.env.K8TS_KUBELET_CPU_PROF;
  if (!profilePath) return;
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // The main thread's inspector answers synchronously, so the profile is written before the process is gone.
  process.once('exit', () => session.post('Profiler.stop', (err, r) => {
    if (!err) writeFileSync(profilePath, JSON.stringify(r.profile));
  }));
}
