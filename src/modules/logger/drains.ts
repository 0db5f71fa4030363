import { createSocket } from "node:dgram";
import { type Socket, connect } from "node:net";
import type { LogLine } from "../../core/topics";
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
  const match = /^syslog(\+tcp|\+udp)?:\/\/([^/:\s]+|\[[0-9a-f:]+\]):(\d{1,5})\/?$/i.exec(url.trim());
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  return { protocol: match[1]?.toLowerCase() === "+tcp" ? "tcp" : "udp", host: match[2].replace(/^\[|\]$/g, ""), port };
}

/** Sends lines to syslog drains; a drain that is down loses lines but never slows the log server. */
export class DrainForwarder {
  private readonly udp = createSocket("udp4");
  private readonly tcp = new Map<string, Socket>();

  constructor() {
    this.udp.on("error", () => undefined);
  }

  send(url: string, line: LogLine): void {
    const target = parseDrainUrl(url);
    if (!target) return;
    const text = toSyslog(line.app, line.source, line.at, line.message);
    if (target.protocol === "udp") {
      this.udp.send(text, target.port, target.host);
      return;
    }
    let socket = this.tcp.get(url);
    if (!socket || socket.destroyed) {
      socket = connect(target.port, target.host);
      socket.on("error", () => this.tcp.delete(url));
      socket.on("close", () => this.tcp.delete(url));
      this.tcp.set(url, socket);
    }
    const bytes = Buffer.byteLength(text, "utf8");
    if (socket.writableLength < 1024 * 1024) socket.write(`${bytes} ${text}`);
  }

  /** Closes connections to drains that are gone. */
  keepOnly(urls: ReadonlySet<string>): void {
    for (const [url, socket] of this.tcp) {
      if (!urls.has(url)) {
        socket.destroy();
        this.tcp.delete(url);
      }
    }
  }

  close(): void {
    this.udp.close();
    for (const socket of this.tcp.values()) socket.destroy();
    this.tcp.clear();
  }
}
