// A set of equal-sized IPv4 subnets carved out of the cluster CIDR (after
// upstream's cidrset): which ones are in use, and the next free one, searched
// round-robin from just after the last allocation so that a released range
// is not handed out again at once.

export interface ParsedCIDR { base: number; prefix: number }

export function parseCIDR(s: string): ParsedCIDR | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const ip = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return { base: (ip & maskOf(prefix)) >>> 0, prefix };
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
const format = (ip: number, prefix: number) => `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}/${prefix}`;

export class CidrSet {
  readonly cluster: ParsedCIDR;
  readonly maskSize: number;
  readonly size: number;
  private readonly used: Uint8Array;
  private nextCandidate = 0;
  private count = 0;

  constructor(clusterCIDR: string, maskSize: number) {
    const c = parseCIDR(clusterCIDR);
    if (!c) throw new Error(`invalid cluster CIDR "${clusterCIDR}": must be an IPv4 CIDR such as 10.42.0.0/16`);
    if (!Number.isInteger(maskSize) || maskSize < c.prefix || maskSize > 32) {
      throw new Error(`node CIDR mask size ${maskSize} must be between the cluster CIDR's (${c.prefix}) and 32`);
    }
    // Upstream's limit: at most 2^16 node ranges.
    if (maskSize - c.prefix > 16) throw new Error('New CIDR set failed; the node CIDR size is too big');
    this.cluster = c;
    this.maskSize = maskSize;
    this.size = 2 ** (maskSize - c.prefix);
    this.used = new Uint8Array(this.size);
  }

  get allocated(): number {
    return this.count;
  }

  /** The indexes of the node ranges a CIDR overlaps, or undefined when it lies outside the cluster CIDR. */
  indexes(cidr: string): [number, number] | undefined {
    const p = parseCIDR(cidr);
    if (!p) return undefined;
    const common = Math.min(p.prefix, this.cluster.prefix);
    if (((p.base & maskOf(common)) >>> 0) !== ((this.cluster.base & maskOf(common)) >>> 0)) return undefined;
    const shift = 32 - this.maskSize;
    const start = Math.max(p.base, this.cluster.base);
    const endIP = Math.min(p.base + 2 ** (32 - p.prefix) - 1, this.cluster.base + 2 ** (32 - this.cluster.prefix) - 1);
    return [Math.floor((start - this.cluster.base) / 2 ** shift), Math.floor((endIP - this.cluster.base) / 2 ** shift)];
  }

  /** Marks a CIDR used; false when it lies outside the cluster CIDR or cannot be parsed. */
  occupy(cidr: string): boolean {
    const r = this.indexes(cidr);
    if (!r) return false;
    for (let i = r[0]; i <= r[1]; i++) if (!this.used[i]) { this.used[i] = 1; this.count++; }
    return true;
  }

  release(cidr: string): void {
    const r = this.indexes(cidr);
    if (!r) return;
    for (let i = r[0]; i <= r[1]; i++) if (this.used[i]) { this.used[i] = 0; this.count--; }
  }

  /** The next free node range, marked used; undefined when the cluster CIDR is full. */
  allocateNext(): string | undefined {
    for (let n = 0; n < this.size; n++) {
      const i = (this.nextCandidate + n) % this.size;
      if (this.used[i]) continue;
      this.used[i] = 1;
      this.count++;
      this.nextCandidate = (i + 1) % this.size;
      return format((this.cluster.base + i * 2 ** (32 - this.maskSize)) >>> 0, this.maskSize);
    }
    return undefined;
  }
}
