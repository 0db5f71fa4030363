import { type Socket as UdpSocket, createSocket } from "node:dgram";
import { type Socket, connect } from "node:net";
import type { Logger } from "../../core/logger";
import type { LogLine } from "../../core/topics";
import type { DrainGuard, ResolvedAddress } from "./drain-guard";
import { toSyslog } from "./syslog";

/** The one spelling of a drain URL (lowercase scheme and host, no trailing slash, syslog+udp as syslog). */
export function normalizeDrainUrl(url: string): string | null {
  const target = parseDrainUrl(url);
  if (!target) return null;
  const host = target.host.includes(":") ? `[${target.host.toLowerCase()}]` : target.host.toLowerCase();
  return `${target.protocol === "tcp" ? "syslog+tcp" : "syslog"}://${host}:${target.port}`;
}

/** `syslog://host:port` (UDP) or `syslog+tcp://host:port`; null when it is neither. */
export function parseDrainUrl(url: string): { protocol: "udp" | "tcp"; host: string; port: number } | null {
  const match = /^syslog(\+tcp|\+udp)?:\/\/([^/:\s]+|\[[0-9a-f:.]+\]):(\d{1,5})\/?$/i.exec(url.trim());
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  return { protocol: match[1]?.toLowerCase() === "+tcp" ? "tcp" : "udp", host: match[2].replace(/^\[|\]$/g, ""), port };
}

interface DrainTarget {
  readonly protocol: "udp" | "tcp";
  readonly host: string;
  readonly port: number;
  /** The checked address lines go to; null until checked, and when refused. */
  address: ResolvedAddress | null;
  /** Why the last check refused the host; null when it did not. */
  refused: string | null;
  checkedAt: number;
  checking: boolean;
  /** Lines waiting for a check to finish. */
  waiting: string[];
  socket: Socket | null;
  /** No new TCP connection before this time (a drain that is down is not hammered). */
  retryAt: number;
}

export interface DrainForwarderOptions {
  /** How long a UDP drain's checked address is used before the host is resolved and checked again. */
  readonly recheckMs?: number;
}

const MAX_WAITING = 1000;

/**
 * Sends lines to syslog drains; a drain that is down loses lines but never slows the log server.
 * Every TCP connect, and a UDP drain's first line and then one every `recheckMs`, resolves the host
 * and checks each address (DrainGuard); lines go to the checked address itself, so a name that later
 * resolves elsewhere (DNS rebinding) is never followed there. A refused host is logged and skipped.
 */
export class DrainForwarder {
  private readonly udp4 = createSocket("udp4");
  private udp6: UdpSocket | null = null;
  private readonly targets = new Map<string, DrainTarget>();
  private readonly recheckMs: number;
  private closed = false;

  constructor(
    private readonly guard: DrainGuard,
    private readonly log: Logger,
    options: DrainForwarderOptions = {},
  ) {
    this.recheckMs = options.recheckMs ?? 5_000;
    this.udp4.on("error", () => undefined);
  }

  send(url: string, line: LogLine): void {
    if (this.closed) return;
    let target = this.targets.get(url);
    if (!target) {
      const parsed = parseDrainUrl(url);
      if (!parsed) return;
      target = { ...parsed, address: null, refused: null, checkedAt: 0, checking: false, waiting: [], socket: null, retryAt: 0 };
      this.targets.set(url, target);
    }
    const text = toSyslog(line.app, line.source, line.at, line.message);
    if (this.needsCheck(target)) {
      if (target.waiting.length < MAX_WAITING) target.waiting.push(text);
      if (!target.checking) void this.check(url, target);
      return;
    }
    if (target.address) this.deliver(target, target.address, text);
  }

  private needsCheck(target: DrainTarget): boolean {
    if (target.checking) return true;
    if (target.protocol === "tcp") {
      if (target.socket && !target.socket.destroyed) return false;
      return Date.now() >= target.retryAt;
    }
    return Date.now() - target.checkedAt >= this.recheckMs;
  }

  private async check(url: string, target: DrainTarget): Promise<void> {
    target.checking = true;
    const verdict = await this.guard.check(target.host).catch((error: unknown) => ({ ok: false as const, rule: String(error) }));
    target.checking = false;
    target.checkedAt = Date.now();
    const waiting = target.waiting.splice(0);
    if (this.closed || this.targets.get(url) !== target) return;
    if (!verdict.ok) {
      if (target.refused !== verdict.rule) this.log.warn({ drain: url, rule: verdict.rule }, "refused to send to a log drain");
      target.refused = verdict.rule;
      target.address = null;
      target.socket?.destroy();
      target.socket = null;
      target.retryAt = Date.now() + this.recheckMs;
      return;
    }
    target.refused = null;
    target.address = verdict.addresses[0];
    if (target.protocol === "tcp") this.connect(target, target.address);
    for (const text of waiting) this.deliver(target, target.address, text);
  }

  private connect(target: DrainTarget, address: ResolvedAddress): void {
    target.socket?.destroy();
    const socket = connect({ port: target.port, host: address.address, family: address.family });
    const lost = () => {
      if (target.socket === socket) {
        target.socket = null;
        target.retryAt = Date.now() + 1000;
      }
    };
    socket.on("error", lost);
    socket.on("close", lost);
    target.socket = socket;
  }

  private deliver(target: DrainTarget, address: ResolvedAddress, text: string): void {
    if (target.protocol === "udp") {
      this.udpFor(address.family).send(text, target.port, address.address);
      return;
    }
    const socket = target.socket;
    if (!socket || socket.destroyed) return;
    if (socket.writableLength < 1024 * 1024) socket.write(`${Buffer.byteLength(text, "utf8")} ${text}`);
  }

  private udpFor(family: 4 | 6): UdpSocket {
    if (family === 4) return this.udp4;
    if (!this.udp6) {
      this.udp6 = createSocket("udp6");
      this.udp6.on("error", () => undefined);
    }
    return this.udp6;
  }

  /** Forgets drains that are gone, closing their connections. */
  keepOnly(urls: ReadonlySet<string>): void {
    for (const [url, target] of this.targets) {
      if (!urls.has(url)) {
        target.socket?.destroy();
        this.targets.delete(url);
      }
    }
  }

  /** Why a drain is not being sent to, when the last check refused its host. */
  refusal(url: string): string | null {
    return this.targets.get(url)?.refused ?? null;
  }

  close(): void {
    this.closed = true;
    this.udp4.close();
    this.udp6?.close();
    for (const target of this.targets.values()) target.socket?.destroy();
    this.targets.clear();
  }
}
