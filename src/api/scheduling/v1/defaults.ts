// Upstream's defaulting for scheduling.k8s.io/v1 PriorityClasses.

export function defaultPriorityClass(pc: Record<string, any>): void {
  pc.preemptionPolicy ||= 'PreemptLowerPriority';
}
