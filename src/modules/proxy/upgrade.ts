import { type ClientRequest, type IncomingMessage, STATUS_CODES, request } from "node:http";
import type { Duplex } from "node:stream";
import { performance } from "node:perf_hooks";
import type { RouterContext } from "./exchange";
import { downstreamHeaders, upstreamHeaders } from "./headers";
import { PAGES, type Page } from "./pages";
import type { AppRoute, Backend } from "./route-table";

/** Writes a status line, raw headers and an optional body straight onto a client socket. */
function writeHead(socket: Duplex, status: number, message: string, rawHeaders: readonly string[]): void {
  let head = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  socket.write(`${head}\r\n`);
}

export function sendRawPage(socket: Duplex, page: Page): void {
  if (!socket.writable) return void socket.destroy();
  const headers = Object.entries(page.headers).flatMap(([name, value]) => [name, String(value)]);
  writeHead(socket, page.status, STATUS_CODES[page.status] ?? "", [...headers, "connection", "close"]);
  socket.end(page.body);
}

/**
 * An Upgrade request (websockets) for an app: the handshake goes to one backend after another
 * until one accepts the connection (a refused one is skipped), then bytes flow both ways untouched.
 * A backend that answers without upgrading has its answer passed on and the connection closed.
 * The backend has the router's backend timeout to answer the handshake, or the client gets 504.
 */
export class UpgradeExchange {
  private readonly startedAt = performance.now();
  private readonly headers: string[];
  private readonly requestId: string;
  private readonly first: number;
  private attempt = 0;
  private backend: Backend | null = null;
  private upstream: ClientRequest | null = null;
  private done = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly context: RouterContext,
    private readonly route: AppRoute,
    private readonly backends: readonly Backend[],
    private readonly req: IncomingMessage,
    private readonly socket: Duplex,
    private readonly head: Buffer,
  ) {
    const upgraded = upstreamHeaders(req, req.headers.upgrade ?? "websocket");
    this.headers = upgraded.headers;
    this.requestId = upgraded.requestId;
    this.first = route.nextIndex();
    socket.on("error", () => this.abort());
    socket.on("close", () => this.abort());
  }

  start(): void {
    this.timer ??= setTimeout(() => this.onTimeout(), this.context.backendTimeoutMs);
    const backend = this.backends[(this.first + this.attempt) % this.backends.length];
    this.backend = backend;
    const upstream = request({
      host: backend.host,
      port: backend.port,
      method: this.req.method,
      path: this.req.url,
      headers: this.headers,
      setHost: false,
      agent: false,
    });
    this.upstream = upstream;
    upstream.on("upgrade", (res: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer) =>
      this.onUpgrade(res, upstreamSocket, upstreamHead),
    );
    upstream.on("response", (res: IncomingMessage) => this.onResponse(res));
    upstream.on("error", (error: NodeJS.ErrnoException) => this.onError(error));
    upstream.end();
  }

  private onUpgrade(res: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer): void {
    if (this.done) return void upstreamSocket.destroy();
    this.finish();
    this.upstream = null;
    const socket = this.socket;
    writeHead(socket, 101, res.statusMessage || "Switching Protocols", res.rawHeaders);
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (this.head.length > 0) upstreamSocket.write(this.head);
    upstreamSocket.on("error", () => socket.destroy());
    socket.on("error", () => upstreamSocket.destroy());
    upstreamSocket.on("close", () => socket.destroy());
    socket.on("close", () => upstreamSocket.destroy());
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
    this.log(101);
  }

  /** The backend answered without switching protocols: pass its answer on, then close. */
  private onResponse(res: IncomingMessage): void {
    if (this.done) return void res.resume();
    this.finish();
    const status = res.statusCode ?? 502;
    writeHead(this.socket, status, res.statusMessage ?? "", [...downstreamHeaders(res.rawHeaders), "connection", "close"]);
    res.on("error", () => this.socket.destroy());
    res.pipe(this.socket);
    this.log(status);
  }

  private onError(error: NodeJS.ErrnoException): void {
    if (this.done) return;
    this.upstream = null;
    if (error.code === "ECONNREFUSED" && this.attempt + 1 < this.backends.length) {
      this.attempt += 1;
      this.start();
      return;
    }
    this.finish();
    this.context.log.warn({ app: this.route.name, backend: this.backend?.address, code: error.code }, "websocket backend failed");
    sendRawPage(this.socket, PAGES.badGateway);
    this.log(502);
  }

  /** The backend did not answer the handshake in time: 504, and no other backend is tried. */
  private onTimeout(): void {
    this.timer = null;
    if (this.done) return;
    this.finish();
    this.upstream?.destroy();
    this.upstream = null;
    this.context.log.warn(
      { app: this.route.name, backend: this.backend?.address, timeoutMs: this.context.backendTimeoutMs },
      "websocket backend timed out",
    );
    sendRawPage(this.socket, PAGES.gatewayTimeout);
    this.log(504);
  }

  private finish(): void {
    this.done = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The client left before the handshake finished. */
  private abort(): void {
    if (this.done) return;
    this.finish();
    this.upstream?.destroy();
    this.upstream = null;
    this.log(499);
  }

  private log(status: number): void {
    const onRequest = this.context.onRequest;
    if (!onRequest) return;
    try {
      onRequest({
        app: this.route.name,
        method: this.req.method ?? "",
        path: this.req.url ?? "",
        status,
        durationMs: performance.now() - this.startedAt,
        host: this.req.headers.host ?? "",
        requestId: this.requestId,
        backend: status === 499 ? null : (this.backend?.address ?? null),
        clientAddress: this.req.socket.remoteAddress ?? "",
      });
    } catch (error) {
      this.context.log.warn({ err: error }, "request log callback failed");
    }
  }
}
