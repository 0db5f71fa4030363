import { BlockList, isIP } from "node:net";

/** Parses `a.b.c.d/n` and `x::y/n` (a bare address is /32 or /128); null when it is neither. */
export function parseCidr(text: string): { address: string; prefix: number; type: "ipv4" | "ipv6" } | null {
  const [address, prefixText, extra] = text.trim().split("/");
  const version = isIP(address);
  if (!version || extra !== undefined) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return null;
  return { address, prefix, type: version === 4 ? "ipv4" : "ipv6" };
}

/** `::ffff:a.b.c.d` (how a dual-stack socket reports an IPv4 peer) as `a.b.c.d`; other addresses as they are. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/**
 * Whether an address falls in any of a list of CIDRs (IPv4 and IPv6; an IPv4-mapped IPv6 address
 * counts as its IPv4 address). Built once per list: a check is one lookup in Node's BlockList.
 */
export class CidrMatcher {
  private readonly list = new BlockList();

  /** Throws when an entry is not a CIDR (validate with parseCidr first). */
  constructor(cidrs: readonly string[]) {
    for (const text of cidrs) {
      const cidr = parseCidr(text);
      if (!cidr) throw new Error(`not a CIDR: ${text}`);
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.type);
    }
  }

  matches(address: string): boolean {
    const plain = plainAddress(address);
    const version = isIP(plain);
    if (!version) return false;
    return this.list.check(plain, version === 4 ? "ipv4" : "ipv6");
  }
}
