import { isIP } from "node:net";

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
