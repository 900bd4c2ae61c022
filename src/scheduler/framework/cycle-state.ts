// Per-attempt scratch space: PreFilter computes, Filter and Score read.
// Preemption clones it to try "what if these pods were gone" per node.
import type { Plugin } from './types.ts';

export interface StateData {
  clone(): StateData;
}

export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** Plugins whose PreScore said Skip: their Score is not called. */
  readonly skipScore = new Set<string>();
  readonly skipFilter = new Set<string>();
  /**
   * The Filter plugins, and the PreFilter plugins with add/remove
   * extensions, that PreFilter did not skip: fixed once PreFilter is over,
   * and read for every node (and for every dry-run step of preemption).
   */
  activeFilters?: Plugin[];
  activeExtensions?: Plugin[];

  read<T extends StateData>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: StateData): void {
    this.data.set(key, value);
  }

  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v.clone());
    for (const s of this.skipFilter) c.skipFilter.add(s);
    for (const s of this.skipScore) c.skipScore.add(s);
    c.activeFilters = this.activeFilters;
    c.activeExtensions = this.activeExtensions;
    return c;
  }
}
