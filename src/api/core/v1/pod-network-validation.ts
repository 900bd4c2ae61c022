// The pod spec's host-network rules and hostAliases, with upstream's paths
// and messages (validatePodHostNetworkDeps, ValidateHostAliases). The
// aliases end up as lines of the pod's /etc/hosts, so each name must be a
// DNS subdomain and each IP a real address.
import type { FieldError } from './errors.ts';
import { check, dns1123Subdomain, invalid, isObj, list } from './checks.ts';

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  // Leading zeros are accepted, as the legacy (sloppy) parser does.
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const all = [...groups(halves[0]), ...(halves.length === 2 ? groups(halves[1]) : [])];
  let words = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i];
    if (g.includes('.')) {
      // An embedded IPv4 address may only be the last 32 bits.
      if (i !== all.length - 1 || !s.endsWith(g) || !isIPv4(g)) return false;
      words += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) words++;
    else return false;
  }
  // "::" stands for at least one group of zeros.
  return halves.length === 2 ? words < 8 : words === 8;
}

/** Whether s parses as an IPv4 or IPv6 address (no zone, no prefix). */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/**
 * With hostNetwork each container port is opened on the node itself, so
 * hostPort must equal containerPort. A Pod has had hostPort defaulted to
 * containerPort by now; a pod template may leave it 0 for that defaulting.
 */
export function validateHostNetworkPorts(spec: any, path: string, resourceIsPod: boolean): FieldError[] {
  if (!isObj(spec) || spec.hostNetwork !== true) return [];
  const errs: FieldError[] = [];
  list(spec.containers).forEach((c: any, i: number) => {
    list(isObj(c) ? c.ports : undefined).forEach((p: any, j: number) => {
      if (!isObj(p)) return;
      const hp = p.hostPort ?? 0;
      if ((resourceIsPod || hp !== 0) && hp !== p.containerPort) {
        errs.push(invalid(`${path}.containers[${i}].ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

export function validateHostAliases(aliases: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  list(aliases).forEach((a: any, i: number) => {
    if (!isObj(a)) return;
    const ip = typeof a.ip === 'string' ? a.ip : '';
    if (!isIP(ip)) errs.push(invalid(`${path}[${i}].ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    list(a.hostnames).forEach((h: unknown, j: number) => errs.push(...check(`${path}[${i}].hostnames[${j}]`, String(h), dns1123Subdomain)));
  });
  return errs;
}
