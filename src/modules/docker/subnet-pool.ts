import { parseCidr } from "../../core/cidr";

/**
 * Where the platform's bridge networks get their addresses. Docker's default pools hold about 30
 * local networks (172.17-31.0.0/16 and 192.168.0.0/20s), so one network per app would stop at ~30
 * apps; the platform hands out small subnets of its own pool instead (DEIS_NETWORK_POOL, a /16 in
 * /26s by default: 1,024 networks of 61 containers each).
 */
export interface SubnetPool {
  /** e.g. "10.213.0.0/16" */
  readonly cidr: string;
  /** Prefix length of each network's subnet, e.g. 26. */
  readonly size: number;
}

interface Range {
  readonly start: number;
  readonly prefix: number;
}

/** An IPv4 CIDR as its first address (a number) and prefix length; null unless it is one (host bits may be set). */
export function parseIpv4Cidr(cidr: string): Range | null {
  const parsed = parseCidr(cidr);
  if (!parsed || parsed.type !== "ipv4" || !cidr.includes("/")) return null;
  const address = parsed.address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const mask = parsed.prefix === 0 ? 0 : (0xffffffff << (32 - parsed.prefix)) >>> 0;
  return { start: (address & mask) >>> 0, prefix: parsed.prefix };
}

const format = (address: number, prefix: number) =>
  `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}/${prefix}`;

function overlaps(a: Range, b: Range): boolean {
  const size = (r: Range) => 2 ** (32 - r.prefix);
  return a.start < b.start + size(b) && b.start < a.start + size(a);
}

/** Why a pool setting is wrong, or null when it is right. */
export function poolProblem(pool: SubnetPool): string | null {
  const range = parseIpv4Cidr(pool.cidr);
  if (!range) return `must be an IPv4 CIDR such as 10.213.0.0/16, got "${pool.cidr}"`;
  if (!Number.isInteger(pool.size) || pool.size < 16 || pool.size > 29) return `the subnet size must be a prefix length from 16 to 29, got ${pool.size}`;
  if (pool.size < range.prefix) return `the subnet size /${pool.size} is larger than the pool ${pool.cidr}`;
  return null;
}

/**
 * The pool's subnets that overlap none of `taken` (the subnets of the engine's networks), in order.
 * Lazy: a /16 in /29s is 8,192 candidates, and the first free one is usually near the start.
 */
export function* freeSubnets(pool: SubnetPool, taken: readonly string[]): Generator<string> {
  const range = parseIpv4Cidr(pool.cidr);
  if (!range || poolProblem(pool)) throw new Error(`bad subnet pool ${pool.cidr} in /${pool.size}s`);
  const used = taken.map(parseIpv4Cidr).filter((r): r is Range => r !== null);
  const step = 2 ** (32 - pool.size);
  const count = 2 ** (pool.size - range.prefix);
  for (let i = 0; i < count; i++) {
    const candidate = { start: (range.start + i * step) >>> 0, prefix: pool.size };
    if (!used.some((u) => overlaps(u, candidate))) yield format(candidate.start, candidate.prefix);
  }
}
