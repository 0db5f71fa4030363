import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { parseCidr } from "../../core/cidr";
import type { PlatformConfig } from "../../core/config";

/** Why a drain may not reach an address: the class the address belongs to. */
export type RefusedClass = "loopback" | "unspecified" | "link-local" | "multicast" | "broadcast" | "reserved" | "private" | "this platform's own";

/** One address a name resolved to, as the OS gives it (dns.lookup). */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** How names are resolved: dns.lookup with all: true (getaddrinfo, as a connect would). Tests give their own. */
export type Lookup = (host: string) => Promise<ResolvedAddress[]>;

export const systemLookup: Lookup = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

function blocks(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, prefix] = range.split("/");
    const type = address.includes(":") ? "ipv6" : "ipv4";
    list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/**
 * The classes, checked in this order (the first that holds names the refusal), then this host's own
 * addresses, then reserved and private ranges. IPv4-mapped IPv6
 * (::ffff:a.b.c.d) is matched against the IPv4 ranges by node's BlockList; IPv4-compatible IPv6
 * (::a.b.c.d, deprecated) is refused as reserved.
 */
const CLASSES: readonly (readonly [RefusedClass, BlockList])[] = [
  ["unspecified", blocks(["0.0.0.0/8", "::/128"])],
  ["loopback", blocks(["127.0.0.0/8", "::1/128"])],
  ["link-local", blocks(["169.254.0.0/16", "fe80::/10"])],
  ["multicast", blocks(["224.0.0.0/4", "ff00::/8"])],
  ["broadcast", blocks(["255.255.255.255/32"])],
];
/** Not routable on the internet (IETF, benchmarking, documentation, IPv4-compatible IPv6). */
const RESERVED = blocks(["240.0.0.0/4", "::/96", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "100::/64", "2001:db8::/32", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32"]);
const PRIVATE = blocks(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fec0::/10"]);

/** "a loopback address", "an unspecified address", "one of this platform's own addresses". */
export function describe(refused: RefusedClass): string {
  if (refused === "this platform's own") return "one of this platform's own addresses";
  return `${/^[aeiou]/.test(refused) ? "an" : "a"} ${refused} address`;
}

function family(address: string): "ipv4" | "ipv6" {
  return isIP(address) === 6 ? "ipv6" : "ipv4";
}

/**
 * Classifies one IP address (as resolved, never a name): the class that refuses it, or null when a
 * drain may reach it. `own` are this host's addresses; `allowPrivate` lets private ranges through;
 * `allowed` are the operator's exceptions, which win over every class.
 */
export function classifyAddress(
  address: string,
  own: BlockList,
  allowPrivate: boolean,
  allowed: BlockList | null = null,
): RefusedClass | null {
  const type = family(address);
  if (allowed?.check(address, type)) return null;
  for (const [name, list] of CLASSES) if (list.check(address, type)) return name;
  if (own.check(address, type)) return "this platform's own";
  if (RESERVED.check(address, type)) return "reserved";
  if (!allowPrivate && PRIVATE.check(address, type)) return "private";
  return null;
}

export interface DrainPolicy {
  /** DEIS_DRAINS_ALLOW_PRIVATE: private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) allowed. */
  readonly allowPrivate: boolean;
  /** DEIS_DRAINS_ALLOW: CIDRs drains may reach whatever class they are in (a collector on this host). */
  readonly allowed: readonly string[];
  /** Names or addresses the platform answers on besides its interfaces (DEIS_HOST). */
  readonly platformHosts: readonly string[];
}

export type DrainCheck =
  | { readonly ok: true; readonly addresses: readonly ResolvedAddress[] }
  | { readonly ok: false; readonly rule: string };

/** The policy the configuration sets (DEIS_DRAINS_ALLOW_PRIVATE, DEIS_DRAINS_ALLOW; the platform's own names). */
export function drainPolicyOf(config: PlatformConfig): DrainPolicy {
  return {
    allowPrivate: config.drainsAllowPrivate,
    allowed: config.drainsAllow,
    platformHosts: [...new Set([config.host, config.gitHost, config.runtimeHost])],
  };
}

/**
 * Decides whether a drain may reach a host: resolves it as a connect would (getaddrinfo accepts
 * `127.1`, `2130706433`, `0x7f000001`), and refuses when ANY address it resolves to is loopback,
 * unspecified, link-local, multicast, reserved, private (unless allowed) or this host's own. The
 * log server connects to the addresses it checked, never resolving the name again.
 */
export class DrainGuard {
  private readonly allowed: BlockList | null;

  constructor(
    private readonly policy: DrainPolicy,
    private readonly lookup: Lookup = systemLookup,
    private readonly interfaces: () => string[] = () =>
      Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address.replace(/%.*$/, ""))),
  ) {
    const cidrs = policy.allowed.map((text) => {
      const cidr = parseCidr(text);
      if (!cidr) throw new Error(`not a CIDR: ${text}`);
      return cidr;
    });
    if (cidrs.length === 0) {
      this.allowed = null;
    } else {
      const list = new BlockList();
      for (const { address, prefix, type } of cidrs) list.addSubnet(address, prefix, type);
      this.allowed = list;
    }
  }

  /** This host's addresses now (interfaces come and go: a bridge per app), and what DEIS_HOST resolves to. */
  private async own(): Promise<BlockList> {
    const list = new BlockList();
    const add = (address: string) => list.addAddress(address, family(address));
    for (const address of this.interfaces()) if (isIP(address)) add(address);
    for (const host of this.policy.platformHosts) {
      if (isIP(host)) add(host);
      else for (const { address } of await this.lookup(host).catch(() => [])) add(address);
    }
    return list;
  }

  /** `what` names the sender in the refusal: "a drain", "a hook". */
  async check(rawHost: string, what = "a drain"): Promise<DrainCheck> {
    const host = rawHost.replace(/^\[|\]$/g, "").toLowerCase();
    const name = host.replace(/\.$/, "");
    // RFC 6761: localhost and *.localhost are loopback whatever a resolver says.
    if (!isIP(host) && (name === "localhost" || name.endsWith(".localhost"))) {
      return { ok: false, rule: `${rawHost} is a loopback name; ${what} may not reach this host` };
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.lookup(host);
    } catch {
      return { ok: false, rule: `${rawHost} does not resolve to an address` };
    }
    if (addresses.length === 0) return { ok: false, rule: `${rawHost} does not resolve to an address` };
    const own = await this.own();
    for (const { address } of addresses) {
      const refused = classifyAddress(address, own, this.policy.allowPrivate, this.allowed);
      if (refused) return { ok: false, rule: `${rawHost} resolves to ${address}, ${describe(refused)}; ${what} may not reach it` };
    }
    return { ok: true, addresses };
  }
}
