import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import { type AddressInfo, type Socket, connect, createServer as createTcpServer } from "node:net";
import { request as httpsRequest } from "node:https";
import { type TLSSocket, connect as connectTls } from "node:tls";
import { WebSocketServer } from "ws";
import { type DiscoveryStore, openDiscovery, serviceKey } from "../../src/modules/discovery";
import type { RouterOptions } from "../../src/modules/proxy";
import { testEnv } from "../harness/env";
import { type Answer, send } from "../harness/http";
import { scaled } from "../harness/time";

export { type Answer, clientAgent, send } from "../harness/http";
export { uniqueApp } from "../harness/apps";

/** Every router test runs on the in-process store and on the harness etcd (its own namespace). */
export const stores: [string, () => DiscoveryStore][] = [
  ["memory", () => openDiscovery([])],
  ["etcd", () => openDiscovery([testEnv.etcdEndpoints], `/test-${randomBytes(4).toString("hex")}`)],
];

/** The router's two data planes: one shared suite runs against both. */
export type Engine = "node" | "nginx";
export const engines: Engine[] = ["node", "nginx"];

/** Every engine on every store: [engine, store name, open]. */
export const enginesAndStores: [Engine, string, () => DiscoveryStore][] = engines.flatMap((engine) =>
  stores.map(([name, open]): [Engine, string, () => DiscoveryStore] => [engine, name, open]),
);

/** The router options that choose `engine` (nginx gets a data dir of its own and one worker, for a predictable round robin). */
export function engineOptions(engine: Engine): Pick<RouterOptions, "engine" | "nginx"> {
  if (engine === "node") return { engine };
  return { engine, nginx: { dataDir: mkdtempSync(join(testEnv.root, "router-nginx-")), workers: 1 } };
}

export const PLATFORM_DOMAIN = "apps.test";

/** What a test backend saw: it answers every request with this as JSON. */
export interface Echo {
  readonly backend: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A real app process stand-in on 127.0.0.1: echoes requests as JSON, echoes websocket messages. */
export class TestBackend {
  private constructor(
    readonly name: string,
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(name: string): Promise<TestBackend> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const echo: Echo = {
          backend: name,
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        };
        res.writeHead(200, { "content-type": "application/json", "x-backend": name });
        res.end(JSON.stringify(echo));
      });
    });
    const wss = new WebSocketServer({ server });
    wss.on("connection", (socket, req) => {
      socket.send(`hello from ${name} at ${req.url} via ${req.headers["x-forwarded-for"]}`);
      socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new TestBackend(name, server, (server.address() as AddressInfo).port);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async publish(discovery: DiscoveryStore, app: string, container = this.name): Promise<void> {
    await discovery.put(serviceKey(app, container), this.address);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function echoOf(answer: Answer): Echo {
  if (answer.status !== 200) throw new Error(`expected 200 from a backend, got ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as Echo;
}

/** Polls until `condition` holds (10 s at most on an idle machine, scaled by DEIS_TEST_TIME_FACTOR). */
export async function until(condition: () => boolean | Promise<boolean>, what = "condition"): Promise<void> {
  const deadline = Date.now() + scaled(10_000);
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the router sends `host` to a backend named `backend` (watch events are async on etcd). */
export async function untilRoutedTo(port: number, host: string, backend: string | null): Promise<void> {
  await until(async () => {
    const answer = await send(port, host, "/probe");
    return backend === null ? answer.status !== 200 : answer.status === 200 && echoOf(answer).backend === backend;
  }, `${host} -> ${backend ?? "nothing"}`);
}

/**
 * An app process that accepts connections and reads requests but never answers: records each
 * request's X-Request-Id in arrival order, and counts the connections the router has closed.
 */
export class HangingBackend {
  readonly requestIds: string[] = [];
  closedConnections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server = createTcpServer((socket) => {
    this.sockets.add(socket);
    let seen = "";
    socket.on("data", (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      for (let match = /x-request-id: *([^\r]*)\r\n/i.exec(seen); match; match = /x-request-id: *([^\r]*)\r\n/i.exec(seen)) {
        this.requestIds.push(match[1]);
        seen = seen.slice(match.index + match[0].length);
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.sockets.delete(socket);
      this.closedConnections += 1;
    });
  });
  port = 0;

  static async start(): Promise<HangingBackend> {
    const backend = new HangingBackend();
    await new Promise<void>((resolve) => backend.server.listen(0, "127.0.0.1", resolve));
    backend.port = (backend.server.address() as AddressInfo).port;
    return backend;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What a raw client got back, once the connection closed. */
export interface RawAnswer {
  readonly data: string;
  /** The status of the first answer, 0 when none came. */
  readonly status: number;
}

/**
 * Sends `bytes` as they are over a new TCP (or TLS, with `servername` as SNI and no certificate
 * check) connection to 127.0.0.1:port, and resolves with everything received when the router
 * closes the connection. Sends nothing when `bytes` is empty.
 */
export function rawExchange(port: number, bytes: string, tls?: { servername?: string }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const send = () => {
      if (bytes) socket.write(bytes);
    };
    const socket = tls
      ? connectTls({ host: "127.0.0.1", port, servername: tls.servername, rejectUnauthorized: false }, send)
      : connect(port, "127.0.0.1", send);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? undefined : reject(error)));
    socket.on("close", () => {
      const data = Buffer.concat(chunks).toString("latin1");
      resolve({ data, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0) });
    });
  });
}

export interface TlsAnswer {
  readonly status: number;
  readonly body: string;
  /** The CN of the certificate the router presented. */
  readonly subject: string;
}

/**
 * curl --resolve, in Node: an HTTPS request to the router with SNI `servername` (none when
 * undefined) and Host `host`, trusting only `ca`, or any certificate when `ca` is undefined.
 */
export function httpsGet(port: number, options: { servername: string | undefined; host: string; path?: string; ca?: string }): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port,
        path: options.path ?? "/",
        servername: options.servername ?? "",
        headers: { host: options.host },
        ...(options.ca === undefined ? { rejectUnauthorized: false } : { ca: options.ca }),
        agent: false,
      },
      (res) => {
        const subject = (res.socket as TLSSocket).getPeerCertificate().subject.CN;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), subject: String(subject) }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
