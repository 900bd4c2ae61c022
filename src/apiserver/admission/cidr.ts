// IPv4 CIDR arithmetic for the Service IP allocator.
export interface Cidr {
  base: number;
  size: number;
  contains(ip: number): boolean;
  parseIP(ip: string): number | undefined;
}

export function parseIP(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCIDR(cidr: string): Cidr {
  const [addr, bitsRaw] = cidr.split('/');
  const ip = parseIP(addr);
  const bits = Number(bitsRaw);
  if (ip === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`invalid service CIDR "${cidr}": want an IPv4 network such as 10.43.0.0/16`);
  const size = 2 ** (32 - bits);
  const base = ip - (ip % size);
  return {
    base, size,
    contains: (n) => n >= base && n < base + size,
    parseIP,
  };
}

/** The first usable address of a CIDR (the `kubernetes` Service's clusterIP). */
export function firstIP(cidr: string): string {
  return ipToString(parseCIDR(cidr).base + 1);
}
