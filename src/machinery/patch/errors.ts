// A patch that cannot be applied. The apiserver turns it into a 422 or 400
// Status, with this message.
import { deepCopy } from '../clone.ts';

export class PatchError extends Error {
  /** 'invalid' (a malformed patch) or 'conflict' (a failed test, a missing path). */
  readonly kind: 'invalid' | 'conflict' | 'unsupported';
  constructor(message: string, kind: 'invalid' | 'conflict' | 'unsupported' = 'invalid') {
    super(message);
    this.name = 'PatchError';
    this.kind = kind;
  }
}

export function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return v === undefined ? v : deepCopy(v);
}
