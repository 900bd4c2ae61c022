// Service IP and node port allocation. A Service of type ClusterIP or wider
// gets a free address from --service-cidr, and NodePort/LoadBalancer ports
// get free node ports; a requested one that is taken or out of range is
// refused with upstream's field errors. Allocation state is derived from
// the stored Services, plus in-flight reservations, so a delete frees them.
import { newInvalid } from '../../machinery/errors.ts';
import type { AdmissionPlugin } from './index.ts';
import { parseCIDR, ipToString } from './cidr.ts';

export interface ServiceAllocationConfig {
  serviceCIDR: string;
  nodePortRange: [number, number];
  /** The stored Services, as the watch cache holds them (in any order: allocation only collects what is used). */
  existing: () => Iterable<any>;
}

type FieldErr = { type: string; field: string; detail?: string; badValue?: unknown };

export function serviceAllocation(config: ServiceAllocationConfig): AdmissionPlugin {
  const cidr = parseCIDR(config.serviceCIDR);
  const [lo, hi] = config.nodePortRange;
  const reservedIPs = new Map<string, number>();
  const reservedPorts = new Map<number, number>();
  const HOLD_MS = 10_000; // covers the gap between admission and the watch cache seeing the write

  function usage(selfKey: string): { ips: Set<string>; ports: Set<number> } {
    const ips = new Set<string>();
    const ports = new Set<number>();
    const now = Date.now();
    for (const [ip, t] of reservedIPs) if (now - t < HOLD_MS) ips.add(ip); else reservedIPs.delete(ip);
    for (const [p, t] of reservedPorts) if (now - t < HOLD_MS) ports.add(p); else reservedPorts.delete(p);
    for (const svc of config.existing()) {
      if (`${svc.metadata.namespace}/${svc.metadata.name}` === selfKey) continue;
      for (const ip of svc.spec?.clusterIPs ?? [svc.spec?.clusterIP]) if (ip && ip !== 'None') ips.add(ip);
      for (const p of svc.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  }

  function pickIP(used: Set<string>): string | undefined {
    // The first address is the kubernetes Service's; skip the network and broadcast addresses too.
    const size = Math.min(cidr.size, 1 << 20);
    const start = Math.floor(Math.random() * (size - 3));
    for (let i = 0; i < size - 3; i++) {
      const ip = ipToString(cidr.base + 2 + ((start + i) % (size - 3)));
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }

  function pickPort(used: Set<number>): number | undefined {
    const span = hi - lo + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const p = lo + ((start + i) % span);
      if (!used.has(p)) return p;
    }
    return undefined;
  }

  return {
    name: 'ServiceAllocation',
    admit(a) {
      if (a.resource.group !== '' || a.resource.resource !== 'services' || a.subresource !== '') return;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
      const svc = a.object;
      const spec = (svc.spec ??= {});
      const old = a.oldObject?.spec;
      const errs: FieldErr[] = [];
      const { ips, ports } = usage(`${a.namespace}/${svc.metadata?.name}`);
      const type = spec.type ?? 'ClusterIP';

      if (type === 'ExternalName') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      } else {
        if (old?.clusterIP && spec.clusterIP === undefined) spec.clusterIP = old.clusterIP;
        if (old?.clusterIP && spec.clusterIP !== old.clusterIP && old.clusterIP !== '') {
          errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', badValue: spec.clusterIP, detail: 'may not change once set' });
        } else if (spec.clusterIP === undefined || spec.clusterIP === '') {
          const ip = pickIP(ips);
          if (!ip) errs.push({ type: 'InternalError', field: 'spec.clusterIPs', detail: `failed to allocate a serviceIP: range is full` });
          else {
            spec.clusterIP = ip;
            reservedIPs.set(ip, Date.now());
          }
        } else if (spec.clusterIP !== 'None' && (!old || old.clusterIP !== spec.clusterIP)) {
          const n = cidr.parseIP(spec.clusterIP);
          if (n === undefined || !cidr.contains(n)) {
            errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', badValue: [spec.clusterIP],
              detail: `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${config.serviceCIDR}` });
          } else if (ips.has(spec.clusterIP)) {
            errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', badValue: [spec.clusterIP],
              detail: `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated` });
          } else reservedIPs.set(spec.clusterIP, Date.now());
        }
        if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
      }

      const wantsNodePorts = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
      (spec.ports ?? []).forEach((p: any, i: number) => {
        if (!wantsNodePorts) {
          if (type === 'ClusterIP' || type === 'ExternalName') delete p.nodePort;
          return;
        }
        const previous = (old?.ports ?? []).find((o: any) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))?.nodePort;
        if (p.nodePort === undefined || p.nodePort === 0) {
          if (previous) { p.nodePort = previous; return; }
          const port = pickPort(ports);
          if (port === undefined) errs.push({ type: 'InternalError', field: `spec.ports[${i}].nodePort`, detail: 'range is full' });
          else { p.nodePort = port; ports.add(port); reservedPorts.set(port, Date.now()); }
          return;
        }
        if (p.nodePort === previous) return;
        if (p.nodePort < lo || p.nodePort > hi) {
          errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, badValue: p.nodePort,
            detail: `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}` });
        } else if (ports.has(p.nodePort)) {
          errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, badValue: p.nodePort, detail: 'provided port is already allocated' });
        } else { ports.add(p.nodePort); reservedPorts.set(p.nodePort, Date.now()); }
      });
      if (errs.length > 0) throw newInvalid({ group: '', kind: 'Service' }, svc.metadata?.name ?? '', errs as any);
    },
  };
}
