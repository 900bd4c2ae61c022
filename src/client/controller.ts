// The Reconciler contract (after controller-runtime): a reconciler gets a
// key, reads current state from its informers, and says "done", "requeue
// after N ms", or throws (a rate-limited retry). Everything else — the
// queue, workers, retries, logging — lives here.
import { WorkQueue } from './workqueue.ts';
import type { WorkQueueConfig } from './workqueue.ts';
import type { Informer } from './informer.ts';
import { keyOf } from './informer.ts';
import type { Clock } from './clock.ts';

export type Result = { requeueAfterMs?: number } | void;

export interface Reconciler {
  readonly name: string;
  reconcile(key: string): Promise<Result>;
}

export interface ControllerOptions {
  workers?: number;
  queue?: WorkQueueConfig;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export class Controller {
  readonly queue: WorkQueue;
  private readonly reconciler: Reconciler;
  private readonly opts: ControllerOptions;
  private running: Promise<void>[] = [];

  constructor(reconciler: Reconciler, opts: ControllerOptions = {}) {
    this.reconciler = reconciler;
    this.opts = opts;
    this.queue = new WorkQueue(opts.queue);
  }

  /** Enqueues the object's own key on every change of an informer. */
  watch(informer: Informer, mapKey: (obj: any) => string[] = (o) => [keyOf(o)]): this {
    const enqueue = (o: any) => { for (const k of mapKey(o)) this.queue.add(k); };
    informer.on({ add: enqueue, update: (_old, o) => enqueue(o), delete: enqueue });
    return this;
  }

  /** Re-examines every object of the informer when the clock jumps, since requeue timers were set on the old time. */
  resyncOnJump(clock: Clock, informer: Informer): this {
    clock.onJump(() => { for (const o of informer.list()) this.queue.add(keyOf(o)); });
    return this;
  }

  start(): void {
    for (let i = 0; i < (this.opts.workers ?? 2); i++) this.running.push(this.worker());
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.running);
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === null) return;
      try {
        const result = await this.reconciler.reconcile(key);
        this.queue.forget(key);
        if (result && result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        this.opts.log?.('reconcile failed; will retry', { controller: this.reconciler.name, key, retries: this.queue.retries(key), error: String((err as Error)?.message ?? err) });
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}

/** Something a controller group runs once its informers have synced. */
export interface Runnable {
  start?(): void;
  stop(): Promise<void> | void;
}

/**
 * The start/stop of a group of controllers: start the informers, wait for
 * their caches, then start the runners; on stop, stop the informers, then
 * the runners.
 */
export function runGroup(informers: Informer[], runners: Runnable[]): { start(): Promise<void>; stop(): Promise<void> } {
  return {
    async start() {
      for (const i of informers) i.start();
      await Promise.all(informers.map((i) => i.waitForSync()));
      for (const r of runners) r.start?.();
    },
    async stop() {
      for (const i of informers) i.stop();
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}
