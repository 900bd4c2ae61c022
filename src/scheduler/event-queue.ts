// The scheduler's events go out as upstream's do: through a broadcaster
// with a bounded queue (1,000 events; newer ones are dropped while it is
// full) drained by a client limited to the scheduler's API rate (QPS 50,
// burst 100, KubeSchedulerConfiguration's clientConnection defaults), so
// that events never compete with bindings for the API server at full rate.
export interface EventQueueOptions {
  qps?: number;
  burst?: number;
  maxQueued?: number;
  now?: () => number;
}

export interface EventQueue<T> {
  push(item: T): boolean;
  /** Events dropped because the queue was full. */
  readonly dropped: number;
  readonly queued: number;
  stop(): void;
}

export function createEventQueue<T>(send: (item: T) => void, o: EventQueueOptions = {}): EventQueue<T> {
  const qps = o.qps ?? 50;
  const burst = o.burst ?? 100;
  const maxQueued = o.maxQueued ?? 1000;
  const now = o.now ?? (() => performance.now());
  let tokens = burst;
  let last = now();
  let dropped = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const items: T[] = [];
  let head = 0;
  const refill = () => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * qps);
    last = t;
  };
  const drain = () => {
    timer = null;
    refill();
    while (head < items.length && tokens >= 1) {
      tokens--;
      send(items[head++]);
    }
    if (head > 1024 && head * 2 > items.length) {
      items.splice(0, head);
      head = 0;
    }
    if (head < items.length && !stopped) {
      timer = setTimeout(drain, Math.max(1, ((1 - tokens) / qps) * 1000));
      timer.unref();
    }
  };
  return {
    push(item) {
      if (stopped) return false;
      if (items.length - head >= maxQueued) {
        dropped++;
        return false;
      }
      items.push(item);
      if (!timer) drain();
      return true;
    },
    get dropped() {
      return dropped;
    },
    get queued() {
      return items.length - head;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
