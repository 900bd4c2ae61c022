// The admission chain: mutating plugins run first, in order, then
// validating ones. A plugin rejects by throwing a StatusError.
import type { ResourceInfo } from '../../api/resources.ts';
import type { UserInfo } from '../authn/index.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: Operation;
  resource: ResourceInfo;
  subresource: string;
  namespace: string;
  name: string;
  /** The incoming object (mutable in the mutating phase). */
  object: any;
  oldObject?: any;
  user: UserInfo;
  dryRun: boolean;
}

export interface AdmissionPlugin {
  readonly name: string;
  admit?(a: AdmissionAttributes): Promise<void> | void;
  validate?(a: AdmissionAttributes): Promise<void> | void;
}

export class AdmissionChain {
  private readonly plugins: AdmissionPlugin[];

  constructor(plugins: AdmissionPlugin[]) {
    this.plugins = plugins;
  }

  // Most plugins answer at once for most requests: awaiting only the
  // promises spares a turn of the microtask queue per plugin per write.
  async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) {
      if (!p.admit) continue;
      const pending = p.admit(a);
      if (pending) await pending;
    }
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) {
      if (!p.validate) continue;
      const pending = p.validate(a);
      if (pending) await pending;
    }
  }
}
