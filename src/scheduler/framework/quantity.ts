// Quantities as the scheduler counts them: integer milli-units (CPU) or
// units (memory, pods, extended resources), rounded up as upstream's
// MilliValue/Value do. Absent quantities count as zero.
import { parseQuantity, milliValue as milli, unitValue } from '../../machinery/quantity.ts';

/** Value in milli-units, rounded up (cpu: "100m" → 100, "1" → 1000). */
export function milliValue(q: string | number | undefined): number {
  return q === undefined || q === null ? 0 : milli(parseQuantity(q));
}

/** Value in whole units, rounded up (memory: "1Ki" → 1024, "0.5" → 1). */
export function value(q: string | number | undefined): number {
  return q === undefined || q === null ? 0 : unitValue(parseQuantity(q));
}
