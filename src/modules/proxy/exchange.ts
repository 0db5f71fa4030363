import { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { Agent, type Dispatcher } from "undici";
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
  /** The backends' keep-alive connections (see backendPool). */
  readonly pool: Agent;
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
/** Errors that happen before a connection exists: nothing reached the backend. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH", "ENETUNREACH"]);
/** A connection dropped before the answer began (a kept-alive one the backend closed meanwhile, say). */
const DROPPED = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);

/**
 * The backends' connection pool: undici's, which spends about a third of the CPU per request that
 * node:http's client does (on these machines, 25 against 76-106 us), the larger part of the
 * router's own cost. Each new connection must open within `connectTimeoutMs`. Neither the wait
 * for an answer nor a slow body is cut here: the exchange times the answer itself (504, never
 * retried) and a streaming body may pause as long as it likes.
 */
export function backendPool(connectTimeoutMs: number): Agent {
  return new Agent({ connect: { timeout: connectTimeoutMs }, headersTimeout: 0, bodyTimeout: 0, pipelining: 1 });
}

/** Methods whose request may be sent again when a backend dropped it before answering. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * One attempt at one backend: the handler undici calls with the connection, the answer's head,
 * its body and its end, or an error. It knows its exchange, so nothing is allocated per event;
 * an attempt that is no longer its exchange's (timed out, retried, the client gone) is ignored.
 */
class UpstreamAttempt implements Dispatcher.DispatchHandler {
  /** undici's way to drop the request (and its connection), once it has one. */
  private abortRequest: ((reason?: Error) => void) | null = null;
  /** undici's way to go on reading a paused answer. */
  resume: (() => void) | null = null;

  constructor(readonly exchange: Exchange) {}

  /** Drops the request now, or as soon as undici hands it a connection. */
  cancel(): void {
    this.abortRequest?.();
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abortRequest = abort;
    if (this.exchange.upstream !== this) abort();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // An informational answer (103 Early Hints, say) comes before the real one: not passed on.
    if (statusCode < 200) return true;
    const res = this.exchange;
    if (res.upstream !== this || res.destroyed) {
      this.cancel();
      return false;
    }
    clearBackendTimer(res);
    if (res.context.draining) res.shouldKeepAlive = false;
    this.resume = resume;
    res.writeHead(statusCode, statusText, downstreamHeaders(rawHeaders));
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.exchange;
    if (res.write(chunk) || res.destroyed) return true;
    if (!res.waitsForDrain) {
      res.waitsForDrain = true;
      res.on("drain", onClientDrain);
    }
    return false;
  }

  onComplete(): void {
    const res = this.exchange;
    if (res.upstream !== this) return;
    res.upstream = null;
    if (!res.destroyed) res.end();
  }

  onError(error: Error): void {
    onUpstreamError(this, error as NodeJS.ErrnoException);
  }
}

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
  upstream: UpstreamAttempt | null = null;
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
  const attempt = new UpstreamAttempt(res);
  res.upstream = attempt;
  // undici writes any async iterable as a body (its types name only Readable).
  const body = res.hasBody ? (requestBody(attempt) as unknown as Readable) : null;
  res.context.pool.dispatch({ origin: backend.origin, method: req.method ?? "GET", path: req.url ?? "/", headers: res.upstreamHeaders, body }, attempt);
}

/**
 * The client's body, read as undici writes it: only once the backend accepted the connection, so
 * a refusal can be retried with the body untouched. Leaving early (an error) leaves the client's
 * request open for the router's own answer.
 */
async function* requestBody(attempt: UpstreamAttempt): AsyncGenerator<Buffer> {
  const res = attempt.exchange;
  if (res.upstream !== attempt) return;
  res.bodyStarted = true;
  // The backend cannot answer before it has the body: the client's pace is not the backend's delay
  // (the server's requestTimeout bounds the client), so the clock starts again once the body is in.
  clearBackendTimer(res);
  res.req.on("error", ignore); // the client left mid-body: onClientClose drops the upstream request
  for await (const chunk of res.req.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
  if (res.upstream === attempt) armBackendTimer(res);
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
  res.upstream = null; // its error (the abort below) is no longer this exchange's
  upstream?.cancel();
  res.context.log.warn(
    { app: res.route?.name, backend: res.backend?.address, timeoutMs: res.context.backendTimeoutMs },
    "backend timed out",
  );
  if (res.route) res.context.metrics?.upstreamError(res.route.name, "timeout");
  if (!res.req.complete) res.shouldKeepAlive = false; // the rest of a body is not worth reading
  sendPage(res, PAGES.gatewayTimeout);
}

function ignore(): void {}

function onClientDrain(this: Exchange): void {
  this.waitsForDrain = false;
  this.off("drain", onClientDrain);
  this.upstream?.resume?.();
}

function onUpstreamError(attempt: UpstreamAttempt, error: NodeJS.ErrnoException): void {
  const res = attempt.exchange;
  if (res.upstream !== attempt) return;
  res.upstream = null;
  if (res.destroyed || res.writableEnded) return;
  if (!res.headersSent && retryable(res, error)) {
    res.attempt += 1;
    tryBackend(res);
    return;
  }
  res.context.log.warn(
    { app: res.route?.name, backend: res.backend?.address, code: error.code, attempts: res.attempt + 1 },
    "backend failed",
  );
  if (res.route) res.context.metrics?.upstreamError(res.route.name, "failed");
  // A backend that dies mid-answer: the client's connection is cut too, so it sees a broken answer.
  if (res.headersSent) res.destroy();
  else sendPage(res, PAGES.badGateway);
}

/**
 * A connection refused, unreachable or not opened in time moves on to the next backend for any
 * request (nothing was sent). A connection dropped before any answer moves on too for
 * GET/HEAD/OPTIONS whose body (if any) was not sent yet. Every backend is tried once, plus once more
 * for a dropped connection (a kept-alive one the backend had just closed).
 */
function retryable(res: Exchange, error: NodeJS.ErrnoException): boolean {
  if (res.bodyStarted) return false;
  const code = error.code ?? "";
  const dropped = DROPPED.has(code) && IDEMPOTENT.has(res.req.method ?? "");
  if (!NOT_CONNECTED.has(code) && !dropped) return false;
  if (res.attempt + 1 < res.backends.length) return true;
  if (dropped && res.spareRetry) {
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
    upstream.cancel();
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
