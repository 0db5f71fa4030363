import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { type AddressInfo, type Server, type Socket, createServer } from "node:net";

/** A syslog message reduced to what the log server keeps. */
export interface SyslogMessage {
  readonly app: string;
  readonly source: string;
  readonly message: string;
  readonly at: string | null;
  /**
   * The app's ingest token as the sender gave it: the `token` parameter of a `[deis token="..."]`
   * structured-data element (RFC 5424), else the HOSTNAME field (as Heroku's drains carry theirs);
   * null when there is neither.
   */
  readonly token: string | null;
}

const DEIS_ELEMENT = /\[deis(?:@\d+)?((?: [^\s=\]"]+="[^"]*")*)\]/;

function tokenFrom(structuredData: string, hostname: string | undefined): string | null {
  const element = DEIS_ELEMENT.exec(structuredData);
  const param = element ? / token="([^"]*)"/.exec(element[1]) : null;
  if (param) return param[1];
  return hostname && hostname !== "-" ? hostname : null;
}

const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[[^\]]*\])+)(?: (.*))?$/s;
const RFC3164 = /^<(\d{1,3})>(?:([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) )?([^\s:[\]]+)(?:\[([^\]]+)\])?: ?(.*)$/s;

/**
 * Parses RFC 5424 (APP-NAME is the app, PROCID the source) and RFC 3164 (TAG is the app, the
 * [pid] the source, HOSTNAME the token) messages; null for anything else.
 */
export function parseSyslog(raw: string): SyslogMessage | null {
  const text = raw.replace(/\r?\n$/, "");
  const modern = RFC5424.exec(text);
  if (modern) {
    const [, , timestamp, hostname, app, procid, , structuredData, message = ""] = modern;
    if (app === "-") return null;
    const at = timestamp !== "-" && !Number.isNaN(Date.parse(timestamp)) ? new Date(timestamp).toISOString() : null;
    const token = tokenFrom(structuredData, hostname);
    return { app, source: procid === "-" ? "syslog" : procid, message: message.replace(/^\uFEFF/, ""), at, token };
  }
  const legacy = RFC3164.exec(text);
  if (legacy) {
    const [, , , hostname, tag, pid, message] = legacy;
    return { app: tag, source: pid ?? "syslog", message, at: null, token: hostname ?? null };
  }
  return null;
}

/** RFC 5424 text for a line sent to a drain. */
export function toSyslog(app: string, source: string, at: string, message: string): string {
  return `<14>1 ${at} deis ${app} ${source.replace(/\s/g, "_")} - - ${message}`;
}

export interface RunningSyslog {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A syslog receiver on UDP and TCP (the same port): RFC 6587 octet counting or one message per line
 * over TCP. Each parsed message goes to `onMessage`; the rest to `onGarbage`.
 */
export async function startSyslog(
  host: string,
  port: number,
  onMessage: (message: SyslogMessage) => void,
  onGarbage: (raw: string) => void,
): Promise<RunningSyslog> {
  const take = (raw: string) => {
    const parsed = parseSyslog(raw);
    if (parsed) onMessage(parsed);
    else if (raw.trim()) onGarbage(raw.slice(0, 200));
  };
  const connections = new Set<Socket>();
  const tcp: Server = createServer((socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      for (;;) {
        const counted = /^(\d{1,6}) /.exec(buffered);
        if (counted) {
          const length = Number(counted[1]);
          const body = Buffer.from(buffered.slice(counted[0].length));
          if (body.length < length) break;
          take(body.subarray(0, length).toString("utf8"));
          buffered = body.subarray(length).toString("utf8");
          continue;
        }
        const newline = buffered.indexOf("\n");
        if (newline < 0) {
          if (buffered.length > 256 * 1024) {
            onGarbage(buffered.slice(0, 200));
            buffered = "";
          }
          break;
        }
        take(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => resolve());
  });
  const bound = (tcp.address() as AddressInfo).port;
  const udp: UdpSocket = createSocket(host.includes(":") ? "udp6" : "udp4");
  udp.on("message", (buffer) => take(buffer.toString("utf8")));
  udp.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(bound, host, () => resolve());
  });
  return {
    port: bound,
    async close() {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const socket of connections) socket.destroy();
      await closed;
    },
  };
}
