// Upstream's defaulting for discovery.k8s.io/v1 EndpointSlices.

export function defaultEndpointSlice(es: Record<string, any>): void {
  for (const p of Array.isArray(es.ports) ? es.ports : []) {
    if (typeof p !== 'object' || p === null) continue;
    p.name ??= '';
    p.protocol ??= 'TCP';
  }
}
