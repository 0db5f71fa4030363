import { type Agent, Agent as HttpAgent, ClientRequest, type IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Logger } from "../../core/logger";
import type { RouterMetrics } from "../metrics";
import { downstreamHeaders, upstreamHeaders } from "./headers";
import { PAGES, type Page } from "./pages";
import type { RequestLogEntry } from "./request-log";
import type { AppRoute, Backend } from "./route-table";

/** What every exchange of one router shares. */
export interface RouterContext {
  /** Set while the router closes: answers then close their connection. */
  draining: boolean;
  /** Requests for apps not yet answered (close() waits for them). */
  inFlight: number;
  readonly agent: Agent;
  /** How long a backend has to start its answer (status line and headers) before the router answers 504. */
  readonly backendTimeoutMs: number;
  readonly log: Logger;
  readonly onRequest: ((entry: RequestLogEntry) => void) | undefined;
  /** Requests per app by status class, their latency, upstream errors; null: not counted. */
  readonly metrics: RouterMetrics | null;
}

/**
 * How long a new connection to a backend may take to open. A backend on a host that is cut off
 * drops the SYN, and without this the request would wait for the whole backend timeout (30 s);
 * nothing was sent, so the next backend is tried. The nginx engine uses the same (proxy_connect_timeout).
 */
export const BACKEND_CONNECT_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT = "EDEIS_CONNECT_TIMEOUT";
/** Errors that happen before a connection exists: nothing reached the backend. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", CONNECT_TIMEOUT, "EHOSTUNREACH", "ENETUNREACH"]);

/** The backends' connection pool: each new connection must open within `connectTimeoutMs`. */
export function backendAgent(connectTimeoutMs: number): Agent {
  const agent = new HttpAgent({ keepAlive: true, maxFreeSockets: 1024, scheduling: "lifo" });
  const create = (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    const timer = setTimeout(() => {
      const error: NodeJS.ErrnoException = new Error(`no connection within ${connectTimeoutMs} ms`);
      error.code = CONNECT_TIMEOUT;
      socket.destroy(error);
    }, connectTimeoutMs);
    const clear = () => clearTimeout(timer);
    socket.once("connect", clear);
    socket.once("close", clear);
    return socket;
  };
  return agent;
}

/** Methods whose request may be sent again when a backend dropped it before answering. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);

/** A request to a backend that knows its exchange, so listeners need no closure per request. */
class UpstreamRequest extends ClientRequest {
  exchange: Exchange | null = null;
}

type UpstreamResponse = IncomingMessage & { req: UpstreamRequest };

/**
 * One proxied request, carried by the response object itself (the servers create these instead
 * of plain ServerResponses): the app, the backends it started with, the attempt, the upstream
 * request in flight. Listeners are shared functions that find their exchange through `this`.
 */
export class Exchange extends ServerResponse {
  context!: RouterContext;
  startedAt = 0;
  route: AppRoute | null = null;
  requestId = "";
  upstreamHeaders: string[] = [];
  backends: readonly Backend[] = [];
  first = 0;
  attempt = 0;
  /** One more try than there are backends, for a stale keep-alive connection. */
  spareRetry = true;
  backend: Backend | null = null;
  upstream: UpstreamRequest | null = null;
  upstreamResponse: UpstreamResponse | null = null;
  waitsForDrain = false;
  hasBody = false;
  bodyStarted = false;
  /** Fires when the backend has not started its answer in time (see armBackendTimer). */
  backendTimer: NodeJS.Timeout | null = null;
}

/** Proxies `res.req` to one of the route's backends (503 when it has none). */
export function forward(res: Exchange, route: AppRoute): void {
  const req = res.req;
  res.route = route;
  res.context.inFlight += 1;
  res.on("close", onClientClose);
  const { headers, requestId } = upstreamHeaders(req, null);
  res.upstreamHeaders = headers;
  res.requestId = requestId;
  const backends = route.backends;
  if (backends.length === 0) return sendPage(res, PAGES.noBackends);
  res.backends = backends;
  res.first = route.nextIndex();
  const length = req.headers["content-length"];
  res.hasBody = req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
  armBackendTimer(res);
  tryBackend(res);
}

/** Logs a request the router answered itself for a known app (503 with no backends). */
export function answerForApp(res: Exchange, route: AppRoute, page: Page): void {
  res.route = route;
  res.context.inFlight += 1;
  res.on("close", onClientClose);
  res.requestId = upstreamHeaders(res.req, null).requestId;
  sendPage(res, page);
}

export function sendPage(res: ServerResponse, page: Page): void {
  res.writeHead(page.status, page.headers);
  res.end(page.body);
}

function tryBackend(res: Exchange): void {
  const backend = res.backends[(res.first + res.attempt) % res.backends.length];
  res.backend = backend;
  const req = res.req;
  const upstream = new UpstreamRequest({
    host: backend.host,
    port: backend.port,
    method: req.method,
    path: req.url,
    headers: res.upstreamHeaders,
    setHost: false,
    agent: res.context.agent,
  });
  upstream.exchange = res;
  res.upstream = upstream;
  upstream.on("response", onUpstreamResponse);
  upstream.on("error", onUpstreamError);
  if (!res.hasBody) upstream.end();
  else upstream.on("socket", onUpstreamSocket);
}

/** The body goes out only once the backend accepted the connection, so a refusal can be retried. */
function onUpstreamSocket(this: UpstreamRequest, socket: Socket): void {
  if (socket.connecting) socket.once("connect", () => startBody(this));
  else startBody(this);
}

function startBody(upstream: UpstreamRequest): void {
  const res = upstream.exchange;
  if (!res || res.upstream !== upstream || upstream.destroyed) return;
  res.bodyStarted = true;
  // The backend cannot answer before it has the body: the client's pace is not the backend's delay
  // (the server's requestTimeout bounds the client), so the clock starts again once the body is in.
  clearBackendTimer(res);
  if (res.req.readableEnded) armBackendTimer(res);
  else res.req.once("end", () => armBackendTimer(res));
  res.req.on("error", ignore); // the client left mid-body: onClientClose drops the upstream request
  res.req.pipe(upstream);
}

/**
 * Heroku's H12: a backend that has not sent its status line and headers within backendTimeoutMs
 * (counted from routing, or from the end of the request's body) gets its request dropped and the
 * client gets 504. Never retried elsewhere: the backend may have acted on it already.
 */
function armBackendTimer(res: Exchange): void {
  if (res.backendTimer !== null || res.headersSent || res.writableEnded || res.destroyed) return;
  res.backendTimer = setTimeout(onBackendTimeout, res.context.backendTimeoutMs, res);
}

function clearBackendTimer(res: Exchange): void {
  if (res.backendTimer === null) return;
  clearTimeout(res.backendTimer);
  res.backendTimer = null;
}

function onBackendTimeout(res: Exchange): void {
  res.backendTimer = null;
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const upstream = res.upstream;
  res.upstream = null; // its error (the destroy below) is no longer this exchange's
  upstream?.destroy();
  res.context.log.warn(
    { app: res.route?.name, backend: res.backend?.address, timeoutMs: res.context.backendTimeoutMs },
    "backend timed out",
  );
  if (res.route) res.context.metrics?.upstreamError(res.route.name, "timeout");
  if (!res.req.complete) res.shouldKeepAlive = false; // the rest of a body is not worth reading
  sendPage(res, PAGES.gatewayTimeout);
}

function ignore(): void {}

function onUpstreamResponse(this: UpstreamRequest, upstreamRes: UpstreamResponse): void {
  const res = this.exchange;
  if (!res || res.upstream !== this || res.destroyed) {
    upstreamRes.resume();
    return;
  }
  clearBackendTimer(res);
  if (res.context.draining) res.shouldKeepAlive = false;
  res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, downstreamHeaders(upstreamRes.rawHeaders));
  // Streamed by hand rather than with pipe(): the same back-pressure, far fewer listeners.
  res.upstreamResponse = upstreamRes;
  upstreamRes.on("data", onUpstreamData);
  upstreamRes.on("end", onUpstreamEnd);
  upstreamRes.on("error", ignore);
  upstreamRes.on("close", onUpstreamResponseClose);
}

function onUpstreamData(this: UpstreamResponse, chunk: Buffer): void {
  const res = this.req.exchange!;
  if (res.write(chunk) || res.destroyed) return;
  this.pause();
  if (!res.waitsForDrain) {
    res.waitsForDrain = true;
    res.on("drain", onClientDrain);
  }
}

function onClientDrain(this: Exchange): void {
  this.upstreamResponse?.resume();
}

function onUpstreamEnd(this: UpstreamResponse): void {
  const res = this.req.exchange!;
  if (!res.destroyed) res.end();
}

/** A backend that dies mid-answer: the client's connection is cut too, so it sees a broken answer. */
function onUpstreamResponseClose(this: UpstreamResponse): void {
  if (this.complete) return;
  const res = this.req.exchange;
  if (res && !res.writableFinished) res.destroy();
}

function onUpstreamError(this: UpstreamRequest, error: NodeJS.ErrnoException): void {
  const res = this.exchange;
  if (!res || res.upstream !== this) return;
  res.upstream = null;
  if (res.destroyed || res.writableEnded) return;
  if (!res.headersSent && retryable(res, this, error)) {
    res.attempt += 1;
    tryBackend(res);
    return;
  }
  res.context.log.warn(
    { app: res.route?.name, backend: res.backend?.address, code: error.code, attempts: res.attempt + 1 },
    "backend failed",
  );
  if (res.route) res.context.metrics?.upstreamError(res.route.name, "failed");
  if (res.headersSent) res.destroy();
  else sendPage(res, PAGES.badGateway);
}

/**
 * A connection refused, unreachable or not opened in time moves on to the next backend for any
 * request (nothing was sent). A reset
 * before any answer moves on too for GET/HEAD/OPTIONS whose body (if any) was not sent yet. Every
 * backend is tried once, plus once more when a reused keep-alive connection was the one dropped.
 */
function retryable(res: Exchange, upstream: UpstreamRequest, error: NodeJS.ErrnoException): boolean {
  if (res.bodyStarted) return false;
  const refused = NOT_CONNECTED.has(error.code ?? "");
  if (!refused && !((error.code === "ECONNRESET" || error.code === "EPIPE") && IDEMPOTENT.has(res.req.method ?? ""))) {
    return false;
  }
  if (res.attempt + 1 < res.backends.length) return true;
  if (upstream.reusedSocket && res.spareRetry) {
    res.spareRetry = false;
    return true;
  }
  return false;
}

/** The client's side is done (answered, or gone): log it, and drop the upstream request if it left. */
function onClientClose(this: Exchange): void {
  this.context.inFlight -= 1;
  clearBackendTimer(this);
  const upstream = this.upstream;
  if (upstream && !this.writableFinished) {
    this.upstream = null;
    upstream.destroy();
  }
  const onRequest = this.context.onRequest;
  const metrics = this.context.metrics;
  const route = this.route;
  if ((!onRequest && !metrics) || !route) return;
  const status = this.writableFinished ? this.statusCode : 499;
  const durationMs = performance.now() - this.startedAt;
  metrics?.observe(route.name, status, durationMs / 1000);
  if (!onRequest) return;
  const req = this.req;
  try {
    onRequest({
      app: route.name,
      method: req.method ?? "",
      path: req.url ?? "",
      status,
      durationMs,
      host: req.headers.host ?? "",
      requestId: this.requestId,
      backend: this.backend?.address ?? null,
      clientAddress: req.socket.remoteAddress ?? "",
    });
  } catch (error) {
    this.context.log.warn({ err: error }, "request log callback failed");
  }
}
