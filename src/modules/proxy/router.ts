import { type IncomingMessage, createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Server, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import { type SecureContext, createSecureContext } from "node:tls";
import type { Logger } from "../../core/logger";
import type { CertificateEntry, DiscoveryStore } from "../discovery";
import { type MetricsAccess, type RouterMetrics, serveMetrics } from "../metrics";
import { type CertificatePair, generateDefaultCertificate } from "./default-certificate";
import { BACKEND_CONNECT_TIMEOUT_MS, Exchange, type RouterContext, answerForApp, backendPool, forward, sendPage } from "./exchange";
import { hasRepeatedHost } from "./headers";
import { type NginxEngineOptions, startNginxRouter } from "./nginx/nginx-router";
import { HEALTHY, PAGES, type Page } from "./pages";
import type { RequestLogEntry } from "./request-log";
import { followRoutes } from "./route-loader";
import type { AppRoute, RouteTable } from "./route-table";
import { UpgradeExchange, sendRawPage } from "./upgrade";

/** How long close() lets requests in flight finish before it cuts their connections. */
const DRAIN_MS = 5_000;
/** Heroku's H12: 30 s for a backend to start its answer. */
export const DEFAULT_BACKEND_TIMEOUT_MS = 30_000;
/** A client has this long to send a request's headers (and a TLS client its handshake). */
export const DEFAULT_HEADER_TIMEOUT_MS = 15_000;
/** Node's own bound on receiving a whole request (headers and body); at least the header timeout. */
const REQUEST_TIMEOUT_MS = 300_000;

export interface RouterOptions {
  /**
   * The data plane: the Node router in this process (default), or nginx run and configured by this
   * process (`nginx` options required; see nginx/nginx-router.ts).
   */
  readonly engine?: "node" | "nginx";
  readonly nginx?: NginxEngineOptions;
  /** Where the routes come from; the router reads nothing else. */
  readonly discovery: DiscoveryStore;
  /**
   * How long a route whose lease expired (rather than being retired) keeps serving while its
   * publisher puts it back; 0 drops it at once.
   */
  readonly routeLeaseGraceMs?: number;
  readonly host: string;
  /** HTTP port; 0 for a free one. */
  readonly port: number;
  /** HTTPS port (certificates by SNI from `/deis/certs/`); 0 for a free one; null or absent: none. */
  readonly httpsPort?: number | null;
  readonly log: Logger;
  /** Called once per request answered for an app, when it is done (see formatRequestLine). */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /** Time a backend has to send its status line and headers; then 504, not retried. Default 30 s. */
  readonly backendTimeoutMs?: number;
  /** How long a new connection to a backend may take to open before the next backend is tried (tests shorten it). */
  readonly connectTimeoutMs?: number;
  /** Time a client has to send a request's headers (and finish a TLS handshake); then the connection is cut. Default 15 s. */
  readonly headerTimeoutMs?: number;
  /** Served on HTTPS for names with no certificate of their own (and clients without SNI); made in memory when absent. */
  readonly defaultCertificate?: CertificatePair;
  /**
   * Counts requests per app (RouterMetrics) and answers GET /metrics for Hosts that are no app's
   * (as /healthz), with `text()` to whom `access` lets in. Absent: nothing counted, no /metrics.
   */
  readonly metrics?: { readonly router: RouterMetrics; readonly access: MetricsAccess; text(): Promise<string> };
}

export interface RunningRouter {
  readonly port: number;
  readonly httpsPort: number | null;
  /** What the router routes right now (for logs and tests). */
  readonly table: RouteTable;
  /**
   * Resolves once what the table holds now is what the data plane serves (at once for the Node
   * router; after the coalesced reload for nginx).
   */
  settled(): Promise<void>;
  /** Stops accepting, lets requests in flight finish (5 s at most), then stops following discovery. */
  close(): Promise<void>;
}

/**
 * The proxy module (DESIGN.md "proxy"): routes HTTP(S) and websockets by Host header to the app's
 * backends from discovery, round robin, skipping backends that refuse. Starts listening only once
 * the routes are loaded, so a router that restarts never answers 404 for a live app.
 */
export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  if (options.engine === "nginx") {
    if (!options.nginx) throw new Error("the nginx engine needs its options (the data dir)");
    return startNginxRouter(options, options.nginx);
  }
  const log = options.log.child({ module: "router" });
  const follower = await followRoutes(options.discovery, log, options.routeLeaseGraceMs ?? 0);
  const table = follower.table;
  const context: RouterContext = {
    draining: false,
    inFlight: 0,
    // One pool of keep-alive connections to the backends for the whole router.
    pool: backendPool(options.connectTimeoutMs ?? BACKEND_CONNECT_TIMEOUT_MS),
    log,
    onRequest: options.onRequest,
    metrics: options.metrics?.router ?? null,
    backendTimeoutMs: options.backendTimeoutMs ?? DEFAULT_BACKEND_TIMEOUT_MS,
  };
  const metrics = options.metrics;
  const headerTimeoutMs = Math.min(options.headerTimeoutMs ?? DEFAULT_HEADER_TIMEOUT_MS, REQUEST_TIMEOUT_MS);
  // Node drops a connection whose headers are late only when it next checks: check often enough
  // that a slow client is cut within about a quarter of the timeout past it (one second at most).
  const serverOptions = {
    ServerResponse: Exchange,
    headersTimeout: headerTimeoutMs,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headerTimeoutMs / 4))),
    requireHostHeader: true,
  };

  const servers: (Server & { closeIdleConnections(): void })[] = [];
  const sockets = new Set<Socket>();
  const upgraded = new Set<Duplex>();

  const handleRequest = (req: IncomingMessage, res: Exchange): void => {
    res.startedAt = performance.now();
    res.context = context;
    if (context.draining) res.shouldKeepAlive = false; // answers while closing end their connection
    if (hasRepeatedHost(req.rawHeaders)) {
      res.shouldKeepAlive = false;
      return sendPage(res, PAGES.badRequest);
    }
    const route = table.resolve(req.headers.host);
    if (route === null) {
      if (req.url === "/healthz" || req.url?.startsWith("/healthz?")) {
        res.writeHead(200, { "content-type": "application/json", "content-length": HEALTHY.length, "cache-control": "no-store" });
        res.end(HEALTHY);
      } else if (metrics && (req.url === "/metrics" || req.url?.startsWith("/metrics?"))) {
        serveMetrics(req, res, metrics.access, metrics.text);
      } else {
        sendPage(res, PAGES.notFound);
      }
      return;
    }
    const rules = route.rules;
    const verdict = rules === null || rules.open ? null : rules.check(req);
    if (verdict instanceof Promise) {
      // A credential seen for the first time: scrypt runs off the event loop, then the request goes on.
      void verdict.then((page) => {
        if (!res.destroyed) proceed(res, route, page);
      });
      return;
    }
    proceed(res, route, verdict);
  };

  /** The router's own answer when the app's rules gave one, else the app's. */
  const proceed = (res: Exchange, route: AppRoute, page: Page | null): void => {
    if (page !== null) answerForApp(res, route, page);
    else if (route.backends.length === 0) answerForApp(res, route, PAGES.noBackends);
    else forward(res, route);
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => socket.destroy());
    // A websocket never finishes by itself: close() cuts it at once instead of draining it.
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    if (hasRepeatedHost(req.rawHeaders)) return sendRawPage(socket, PAGES.badRequest);
    const route = table.resolve(req.headers.host);
    if (route === null) return sendRawPage(socket, PAGES.notFound);
    const rules = route.rules;
    const verdict = rules === null || rules.open ? null : rules.check(req);
    if (verdict instanceof Promise) {
      void verdict.then((page) => (page ? sendRawPage(socket, page) : upgradeTo(route, req, socket, head)));
      return;
    }
    if (verdict) return sendRawPage(socket, verdict);
    upgradeTo(route, req, socket, head);
  };

  const upgradeTo = (route: AppRoute, req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (socket.destroyed) return;
    const backends = route.backends;
    if (backends.length === 0) return sendRawPage(socket, PAGES.noBackends);
    new UpgradeExchange(context, route, backends, req, socket, head).start();
  };

  const track = <T extends Server & { closeIdleConnections(): void }>(server: T): T => {
    servers.push(server);
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
    server.on("upgrade", handleUpgrade);
    return server;
  };

  try {
    const http = track(createServer(serverOptions, handleRequest));
    const port = await listen(http, options.host, options.port);
    let httpsPort: number | null = null;
    if (options.httpsPort !== undefined && options.httpsPort !== null) {
      const fallback = options.defaultCertificate ?? (await generateDefaultCertificate());
      const https = createHttpsServer(
        {
          ...serverOptions,
          handshakeTimeout: headerTimeoutMs,
          // Clients that send no SNI name get the default certificate too.
          cert: fallback.certificate,
          key: fallback.key,
          SNICallback: sniCallback(table, createSecureContext({ cert: fallback.certificate, key: fallback.key }), log),
        },
        handleRequest,
      );
      https.on("tlsClientError", (error: Error) => log.debug({ err: error }, "TLS handshake failed"));
      track(https);
      httpsPort = await listen(https, options.host, options.httpsPort);
    }
    log.info({ port, httpsPort }, "router listening");
    return {
      port,
      httpsPort,
      table,
      settled: () => Promise.resolve(),
      async close() {
        // Drain: stop accepting, let requests in flight finish (answered with `Connection: close`),
        // close idle keep-alive connections, then cut whatever is left.
        context.draining = true;
        const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
        for (const socket of upgraded) socket.destroy();
        const deadline = Date.now() + DRAIN_MS;
        while (context.inFlight > 0 && Date.now() < deadline) {
          for (const server of servers) server.closeIdleConnections();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        for (const socket of sockets) socket.destroy();
        await Promise.all(closed);
        await follower.close();
        await context.pool.destroy();
      },
    };
  } catch (error) {
    await follower.close();
    for (const server of servers) server.close();
    await context.pool.destroy();
    throw error;
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * TLS contexts by certificate, made on first use; a changed certificate is a new entry. A name
 * without one gets the platform's default certificate: the handshake completes and the request
 * gets the router's answer for its Host (its app, or 404), as on HTTP.
 */
function sniCallback(table: RouteTable, fallback: SecureContext, log: Logger) {
  const contexts = new WeakMap<CertificateEntry, SecureContext>();
  return (serverName: string, callback: (error: Error | null, context?: SecureContext) => void): void => {
    const entry = table.certificateFor(serverName);
    if (!entry) return callback(null, fallback);
    let context = contexts.get(entry);
    if (!context) {
      try {
        context = createSecureContext({ cert: entry.certificate, key: entry.key });
      } catch (error) {
        log.warn({ err: error, serverName }, "unusable certificate in discovery; serving the default one");
        context = fallback;
      }
      contexts.set(entry, context);
    }
    callback(null, context);
  };
}
