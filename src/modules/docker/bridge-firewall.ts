import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { SubnetPool } from "./subnet-pool";

/** The chains, in the mangle table, that hold the platform's rules, and where each is jumped to from. */
export const ISOLATION_CHAIN = "DEIS-ISOLATION";
export const INBOUND_CHAIN = "DEIS-ISOLATION-IN";
const CHAINS = [
  { chain: ISOLATION_CHAIN, from: "FORWARD" },
  { chain: INBOUND_CHAIN, from: "PREROUTING" },
] as const;
const COMMENT = "deis: app networks apart";
/** Docker's bridges that are not user-defined networks (those are all named br-<id>). */
const DOCKER_BRIDGES = ["docker0", "docker_gwbridge"];

export interface FirewallRule {
  readonly chain: string;
  /** iptables arguments after the chain's name. */
  readonly args: readonly string[];
}

/**
 * Keeps the platform's bridge networks apart with firewall rules of its own (DESIGN.md "Tenants
 * apart"), on top of Docker's.
 *
 * Docker isolates bridges from each other with its DOCKER-ISOLATION-STAGE chains, but each time any
 * network is created it deletes and re-inserts FORWARD's jump to them, and for that moment every
 * bridge reaches every other. The platform creates a network whenever an app first runs a process,
 * so a tenant can open those moments at will: probing another app's container in a loop while
 * networks were being made, 405 of 1,223 connections got through.
 *
 * The rules live in the mangle table, which Docker never rewrites:
 * - DEIS-ISOLATION (from FORWARD) matches on the subnet pool's addresses, so six rules cover every
 *   app (and every platform sharing the pool): a packet routed between a bridge and an address of
 *   the pool is dropped, unless it is bridged (within one network, when br_netfilter shows bridged
 *   frames to iptables at all).
 * - DEIS-ISOLATION-IN (from PREROUTING) keeps containers from this host's own addresses on the
 *   ports Docker publishes on (the ephemeral range): Swarm publishes a task's port on every address
 *   of the node, so another tenant's task or one-off reached it through the node's address, around
 *   the router (measured: through the gateway and through the host's address).
 */
export class BridgeFirewall {
  private pending: Promise<boolean> | null = null;
  private warned = new Set<string>();
  /** The ports Docker publishes on (the host's ephemeral range), closed to containers. */
  readonly publishedPorts: { readonly low: number; readonly high: number };

  constructor(
    private readonly pool: SubnetPool,
    private readonly warn: (message: string) => void,
    private readonly iptables = "iptables",
  ) {
    this.publishedPorts = ephemeralPorts();
  }

  rules(): FirewallRule[] {
    const pool = this.pool.cidr;
    const routed = ["-m", "physdev", "!", "--physdev-is-bridged"];
    const between = [
      ["-s", pool, "-o", "br-+", ...routed],
      ["-d", pool, "-i", "br-+", ...routed],
      ...DOCKER_BRIDGES.flatMap((bridge) => [
        ["-s", pool, "-o", bridge],
        ["-d", pool, "-i", bridge],
      ]),
    ];
    const { low, high } = this.publishedPorts;
    // New connections only: replies to the host's own connections (the router's, docker-proxy's)
    // come back to ports of the same range.
    const inbound = ["br-+", ...DOCKER_BRIDGES].map((bridge) => [
      ...["-i", bridge, "-p", "tcp", "--dport", `${low}:${high}`],
      ...["-m", "addrtype", "--dst-type", "LOCAL", "-m", "conntrack", "--ctstate", "NEW"],
    ]);
    const drop = (args: string[]) => [...args, "-m", "comment", "--comment", COMMENT, "-j", "DROP"];
    return [...between.map((args) => ({ chain: ISOLATION_CHAIN, args: drop(args) })), ...inbound.map((args) => ({ chain: INBOUND_CHAIN, args: drop(args) }))];
  }

  /** The commands an operator runs on the engine's host when the platform cannot. */
  commands(): string[] {
    const quote = (arg: string) => (/^[\w./+:!-]+$/.test(arg) ? arg : `"${arg}"`);
    return [
      ...CHAINS.flatMap(({ chain, from }) => [`iptables -t mangle -N ${chain}`, `iptables -t mangle -I ${from} -j ${chain}`]),
      ...this.rules().map((rule) => `iptables -t mangle -A ${rule.chain} ${rule.args.map(quote).join(" ")}`),
    ];
  }

  /**
   * Puts in whatever of the chain, its jump and its rules is missing (an operator's flush, a first
   * start); true when all are in place. Calls at once share one check. A failure is warned about
   * once, with the commands to run by hand, and the platform goes on with Docker's rules alone.
   */
  ensure(): Promise<boolean> {
    this.pending ??= this.apply().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /**
   * Called with each bridge network the engine made: the rules only hold where the engine's bridges
   * are, so an engine on another host (or in another network namespace) gets a warning instead.
   */
  async networkMade(networkId: string): Promise<void> {
    if (!existsSync(`/sys/class/net/br-${networkId.slice(0, 12)}`)) {
      this.warnOnce(
        "elsewhere",
        "the Docker engine's bridges are not on this host, so the platform cannot add its rules that keep app networks apart " +
          `(Docker's own open for moments whenever a network is created). On the engine's host, run:\n  ${this.commands().join("\n  ")}`,
      );
      return;
    }
    await this.ensure();
  }

  private async apply(): Promise<boolean> {
    try {
      for (const { chain, from } of CHAINS) {
        // Made, or there already (iptables-nft reports a missing chain to -S as "incompatible").
        await this.run(["-N", chain]).catch((error) => this.unlessExists(error));
        if (!(await this.has(["-C", from, "-j", chain]))) await this.run(["-I", from, "-j", chain]);
      }
      for (const rule of this.rules()) {
        if (!(await this.has(["-C", rule.chain, ...rule.args]))) await this.run(["-A", rule.chain, ...rule.args]);
      }
      return true;
    } catch (error) {
      this.warnOnce(
        "failed",
        `could not add the firewall rules that keep app networks apart (${error instanceof Error ? error.message : String(error)}); ` +
          `Docker's own rules open for moments whenever a network is created. Run the platform as root, or run:\n  ${this.commands().join("\n  ")}`,
      );
      return false;
    }
  }

  /** Whether a check (-C) finds what it names; false when it is missing, an error when iptables cannot answer. */
  private async has(args: string[]): Promise<boolean> {
    try {
      await this.run(args);
      return true;
    } catch (error) {
      if (/does a matching rule exist|No chain\/target\/match by that name/i.test(error instanceof Error ? error.message : "")) return false;
      throw error;
    }
  }

  /** The chain was there (made at an earlier start, or by another platform on this host). */
  private unlessExists(error: unknown): void {
    if (!/already exists/i.test(error instanceof Error ? error.message : "")) throw error;
  }

  private run(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(this.iptables, ["-w", "-t", "mangle", ...args], { timeout: 30_000 }, (error, _stdout, stderr) => {
        if (!error) return resolve();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return reject(new Error(`${this.iptables} is not installed (Debian: apt-get install -y iptables)`));
        reject(new Error(`iptables ${args.slice(0, 2).join(" ")}: ${String(stderr).trim() || error.message}`));
      });
    });
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message);
  }
}

/** The host's ephemeral port range, from which Docker takes published ports. */
function ephemeralPorts(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return { low, high };
  } catch {
    // not Linux, or /proc is not mounted: Linux's default range
  }
  return { low: 32768, high: 60999 };
}
