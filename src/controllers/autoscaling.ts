// Wires the horizontal pod autoscaler to shared informers. Each HPA is
// synced when it is created or its spec changes, when the clock jumps, and
// then every sync period (upstream: --horizontal-pod-autoscaler-sync-period,
// 15 s); its own status writes do not trigger extra syncs, so scaling keeps
// upstream's pace.
import { RESOURCES } from '../api/resources.ts';
import type { Client } from '../client/rest.ts';
import { byNamespace, keyOf } from '../client/informer.ts';
import { SharedInformers } from '../client/shared-informers.ts';
import { Controller, runGroup } from '../client/controller.ts';
import { createRecorder } from '../client/events.ts';
import type { Clock } from '../client/clock.ts';
import { HorizontalController, HPAS } from './podautoscaler/index.ts';
import { apiMetricsSource } from './podautoscaler/metrics.ts';
import type { CalculatorConfig } from './podautoscaler/replicas.ts';

const PODS = RESOURCES.find((r) => r.group === '' && r.resource === 'pods')!;

export interface AutoscalingOptions {
  clock?: Clock;
  syncPeriodMs?: number;
  downscaleStabilizationMs?: number;
  calculator?: Partial<CalculatorConfig>;
  /** The process's shared informers (a private set when absent). */
  informers?: SharedInformers;
}

export function createAutoscalingControllers(client: Client, log: (m: string, f?: Record<string, unknown>) => void, opts: AutoscalingOptions = {}) {
  const clock = opts.clock;
  const shared = opts.informers ?? new SharedInformers(client, log);
  const now = clock ? () => clock.now() : undefined;
  const hpas = shared.informer(HPAS);
  const pods = shared.informer(PODS, { indexers: { namespace: byNamespace } });
  const reconciler = new HorizontalController({
    client, hpas, pods, metrics: apiMetricsSource(client), recorder: createRecorder(client, 'horizontal-pod-autoscaler', { log, now }),
    now, syncPeriodMs: opts.syncPeriodMs, downscaleStabilizationMs: opts.downscaleStabilizationMs, calculator: opts.calculator, log,
  });
  const controller = new Controller(reconciler, { workers: 2, log });
  hpas.on({
    add: (h) => controller.queue.add(keyOf(h)),
    update: (o, h) => { if (o.metadata?.generation !== h.metadata?.generation) controller.queue.add(keyOf(h)); },
    delete: (h) => controller.queue.add(keyOf(h)),
  });
  if (clock) controller.resyncOnJump(clock, hpas);
  return { names: ['horizontal-pod-autoscaler'], ...runGroup([hpas, pods], [controller]) };
}
