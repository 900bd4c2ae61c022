// Controller expectations (as upstream's ControllerExpectations): after a
// controller creates or deletes pods it expects to see those events before
// it trusts its cache again, so watch lag never makes it act twice.
const TTL_MS = 5 * 60_000;

interface Expect {
  add: number;
  del: number;
  at: number;
}

export class Expectations {
  private readonly m = new Map<string, Expect>();

  expect(key: string, add: number, del: number): void {
    this.m.set(key, { add, del, at: Date.now() });
  }

  /** Pending creates or deletes for key, or true once they are all observed (or expired). */
  satisfied(key: string): boolean {
    const e = this.m.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return Date.now() - e.at > TTL_MS;
  }

  creationObserved(key: string): void {
    const e = this.m.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.m.get(key);
    if (e) e.del--;
  }

  /** Lowers what is expected when a create or delete call failed (its event will never come). */
  lower(key: string, add: number, del: number): void {
    const e = this.m.get(key);
    if (e) {
      e.add -= add;
      e.del -= del;
    }
  }

  delete(key: string): void {
    this.m.delete(key);
  }
}
