// Upstream's defaulting for autoscaling/v1 HorizontalPodAutoscalers: only
// minReplicas; the 80% CPU target is the controller's fallback, not a default.

export function defaultHPAv1(hpa: Record<string, any>): void {
  if (typeof hpa.spec !== 'object' || hpa.spec === null) hpa.spec = {};
  hpa.spec.minReplicas ??= 1;
}
