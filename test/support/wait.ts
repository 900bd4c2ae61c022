// Waiting in end-to-end tests: bounded polling with a message that says
// what never happened (and the last error, if the probe kept failing).
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls fn every intervalMs until it returns something truthy; throws after timeoutMs. */
export async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined | false | null | ''>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    await sleep(intervalMs);
  }
}
