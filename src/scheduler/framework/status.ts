// Outcomes of plugins are Status values, never exceptions: the scheduler
// decides from the code whether a pod waits for a cluster change
// (Unschedulable), is hopeless on that node (UnschedulableAndUnresolvable),
// or hit a bug (Error).
export const Code = {
  Success: 0,
  Error: 1,
  Unschedulable: 2,
  UnschedulableAndUnresolvable: 3,
  Wait: 4,
  Skip: 5,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export const CODE_NAMES: Record<Code, string> = {
  0: 'Success', 1: 'Error', 2: 'Unschedulable', 3: 'UnschedulableAndUnresolvable', 4: 'Wait', 5: 'Skip',
};

export class Status {
  readonly code: Code;
  readonly reasons: string[];
  /** The plugin that produced a failure, filled in by the framework. */
  plugin = '';

  constructor(code: Code, ...reasons: string[]) {
    this.code = code;
    this.reasons = reasons;
  }

  message(): string {
    return this.reasons.join(', ');
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }

  withPlugin(name: string): Status {
    if (!this.plugin) this.plugin = name;
    return this;
  }
}

/** null stands for Success on hot paths (Filter runs once per node per plugin). */
export type MaybeStatus = Status | null;

export function isSuccess(s: MaybeStatus): boolean {
  return s === null || s.code === Code.Success;
}

export const unschedulable = (...reasons: string[]) => new Status(Code.Unschedulable, ...reasons);
export const unresolvable = (...reasons: string[]) => new Status(Code.UnschedulableAndUnresolvable, ...reasons);
export const errorStatus = (err: unknown) => new Status(Code.Error, err instanceof Error ? err.message : String(err));
export const skip = () => new Status(Code.Skip);
