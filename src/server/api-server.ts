import { randomUUID } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { type GraphQLSchema, GraphQLError, getOperationAST, parse, specifiedRules, validate } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { sharedSubscribe } from "./shared-subscribe";
import { type WebSocket, WebSocketServer } from "ws";
import { RequestContext } from "../core/context";
import type { Logger } from "../core/logger";
import { AppEventType, type SessionsEndedPayload, allAppEventsTopic, appDestroyedTopic, sessionsEndedTopic } from "../core/topics";
import type { EventBus } from "../modules/cache";
import { type GraphQLContext, toClientError } from "../resolvers";
import { type PlatformHealth, type Services, hashToken } from "../modules/controller";
import { EXPLORER_ASSET_PREFIX, serveExplorerAsset, serveExplorerPage } from "./explorer";
import { ATTACH_PATH, attachEndpoint } from "./attach-endpoint";
import { complexityError, complexityLimit, depthLimit } from "./query-limits";
import { authorizationOf, serveDashboard } from "../dashboard";
import { type MetricsAccess, type PlatformMetrics, apiMetricsPlugin, serveMetrics } from "../modules/metrics";

export interface ApiServerOptions {
  readonly schema: GraphQLSchema;
  readonly services: Services;
  /** Where revocations arrive from every controller process (sessionsEndedTopic). */
  readonly events: EventBus;
  readonly log: Logger;
  readonly host: string;
  readonly port: number;
  readonly maxQueryDepth: number;
  readonly maxQueryComplexity: number;
  /** Whether each shared component (database, cache, discovery) answers now. */
  readonly health: () => Promise<PlatformHealth>;
  /** /metrics: this process's registry and who may read it. */
  readonly metrics: { readonly platform: PlatformMetrics; readonly access: MetricsAccess };
}

export interface RunningApiServer {
  /** http://host:port/graphql */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Big enough for a 1 MiB config value to reach validation and get a clear error, small enough to bound memory. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/** True when a GraphQL request over HTTP (its JSON body, or GET's parameters) is a subscription. */
function isSubscription(request: unknown): boolean {
  const { query, operationName } = (request ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== "string" || !query.includes("subscription")) return false;
  try {
    return getOperationAST(parse(query), typeof operationName === "string" ? operationName : undefined)?.operation === "subscription";
  } catch {
    return false; // not GraphQL: Apollo answers that
  }
}

function bearer(authorization: unknown): string | null {
  if (typeof authorization !== "string") return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return match ? match[1] : null;
}

/**
 * The controller's HTTP face: GraphQL queries and mutations (Apollo Server) and subscriptions
 * (graphql-ws) on one port and one path, /graphql; interactive one-offs on /attach (a WebSocket);
 * the offline explorer; /healthz; /metrics.
 */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const { schema, services, log } = options;

  const contextFor = async (authorization: unknown, address: string | undefined): Promise<GraphQLContext> => {
    const requestId = randomUUID();
    const token = bearer(authorization);
    const session = token ? await services.auth.authenticate(token) : null;
    const ctx = new RequestContext(
      requestId,
      session?.user ?? null,
      log.child({ requestId, user: session?.user.username }),
      session?.tokenId ?? null,
      address ?? null,
    );
    return { ctx, services };
  };

  const httpServer: Server = createServer();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The platform stops its servers in order on SIGTERM/SIGINT; Apollo must not race it.
    stopOnTerminationSignals: false,
    validationRules: [depthLimit(options.maxQueryDepth)],
    formatError: (formatted, error) => toClientError(error, log, formatted),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No field sets cache hints and nothing caches whole responses: without this, Apollo wraps
      // every field's resolver to compute a cache policy nobody reads (2-3% of a 100-app page).
      ApolloServerPluginCacheControlDisabled(),
      complexityLimit(options.maxQueryComplexity),
      apiMetricsPlugin(options.metrics.platform),
    ],
  });
  await apollo.start();

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    let body: unknown = undefined;
    if (req.method === "POST") {
      const text = await readBody(req);
      try {
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        sendJson(res, 400, { errors: [{ message: "the request body is not JSON", extensions: { code: "BAD_REQUEST" } }] });
        return;
      }
    }
    if (isSubscription(req.method === "POST" ? body : Object.fromEntries(url.searchParams))) {
      // Apollo would run it as a query and fail inside the resolver; say where subscriptions are served instead.
      const message = `subscriptions are served over a WebSocket (the graphql-ws protocol) on ${url.pathname}, not over HTTP ${req.method}`;
      sendJson(res, 400, { errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
      return;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    // A bearer token, or the dashboard's cookie session with its CSRF token.
    const auth = authorizationOf(req);
    if ("refused" in auth) {
      sendJson(res, 403, { errors: [{ message: auth.refused, extensions: { code: "FORBIDDEN" } }] });
      return;
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
      context: () => contextFor(auth.authorization, req.socket.remoteAddress),
    });
    for (const [name, value] of result.headers) res.setHeader(name, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const dashboardDeps = {
    auth: services.auth,
    contextFor: (authorization: string | null, address: string | undefined) => contextFor(authorization, address),
    clientError: (error: unknown) => toClientError(error, log),
    runQuery: async (authorization: string, request: { query: string; variables: Record<string, unknown> }, address: string | undefined) => {
      const response = await apollo.executeOperation(request, { contextValue: await contextFor(authorization, address) });
      if (response.body.kind !== "single") return { errors: [{ message: "a preloaded query answers at once", extensions: { code: "BAD_REQUEST" } }] };
      const { data, errors } = response.body.singleResult;
      return { data, ...(errors ? { errors } : {}) };
    },
  };

  httpServer.on("request", (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = async () => {
      if (url.pathname === "/healthz") {
        // 503 naming the component that is down: {status, components: {database: "ok", cache: "down: ..."}}.
        const health = await options.health();
        const components = Object.fromEntries(health.components.map((c) => [c.name, c.detail]));
        sendJson(res, health.healthy ? 200 : 503, { status: health.healthy ? "ok" : "unavailable", components });
      } else if (url.pathname === "/metrics") {
        serveMetrics(req, res, options.metrics.access, () => options.metrics.platform.text());
      } else if (url.pathname.startsWith(EXPLORER_ASSET_PREFIX) && req.method === "GET") {
        if (!serveExplorerAsset(url.pathname, res)) sendJson(res, 404, { error: "not found" });
      } else if (url.pathname === "/graphql" || url.pathname === "/graphql/") {
        const wantsPage = req.method === "GET" && !url.searchParams.has("query") && (req.headers.accept ?? "").includes("text/html");
        if (wantsPage) serveExplorerPage(res);
        else await handleGraphQL(req, res, url);
      } else if (await serveDashboard(req, res, url, () => readBody(req), dashboardDeps)) {
        // The web dashboard (/, /assets/) and its browser session (/session).
      } else {
        sendJson(res, 404, { error: "not found: the API is at /graphql" });
      }
    };
    route().catch((error: unknown) => {
      if (error instanceof BodyTooLarge) {
        // Answer once the client has finished sending, so it reads the answer instead of a reset.
        const answer = () =>
          sendJson(res, 413, { errors: [{ message: `the request body is over ${MAX_BODY_BYTES / 1024 / 1024} MiB`, extensions: { code: "BAD_REQUEST" } }] });
        if (req.readableEnded) answer();
        else req.resume().once("end", answer);
        return;
      }
      log.error({ err: error }, "HTTP request failed");
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: "internal server error" }] });
      else res.end();
    });
  });

  // Two WebSocket endpoints on the one port: graphql-ws on /graphql, interactive one-offs on /attach.
  const wsServer = new WebSocketServer({ noServer: true, path: "/graphql", maxPayload: MAX_BODY_BYTES });
  const attach = attachEndpoint({ services, log, contextFor: async (authorization, address) => (await contextFor(authorization, address)).ctx });
  httpServer.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(request.url ?? "/", "http://localhost").pathname;
    if (pathname === ATTACH_PATH) attach.handleUpgrade(request, socket, head);
    else wsServer.handleUpgrade(request, socket, head, (ws) => wsServer.emit("connection", ws, request));
  });
  // Each socket's token, by hash, from the moment it connects (before any operation authenticates),
  // so a revocation that commits while a subscription is being authorized still finds the socket.
  const socketTokens = new WeakMap<WebSocket, string>();
  const sessionsEnded = await options.events.subscribe(sessionsEndedTopic);
  const endSessions = ({ tokenHashes, reason }: SessionsEndedPayload) => {
    const ended = new Set(tokenHashes);
    // A revoked token is no longer a login (4401); lost admin rights may change what it may see (4403).
    const [code, text] = reason === "admin-revoked" ? [CloseCode.Forbidden, "your rights changed: subscribe again"] : [CloseCode.Unauthorized, "your token was revoked: log in again"];
    attach.endSessions(ended, text);
    for (const socket of wsServer.clients) {
      const hash = socketTokens.get(socket);
      if (hash === undefined || !ended.has(hash)) continue;
      log.info({ reason }, "closing a subscription connection whose session ended");
      socket.close(code, text);
      // A client that does not answer the close is cut off rather than waited for.
      setTimeout(() => socket.terminate(), 1000).unref();
    }
  };
  const watchingSessions = (async () => {
    for await (const event of sessionsEnded) endSessions(event);
  })().catch((error: unknown) => log.error({ err: error }, "the session revocation feed failed"));
  // Interactive sessions end when their user loses the app (removed as a collaborator, transfer,
  // destroy, rename: the old name is published as destroyed).
  const appEvents = await options.events.subscribe(allAppEventsTopic);
  const appsDestroyed = await options.events.subscribe(appDestroyedTopic);
  const ACCESS_EVENTS: ReadonlySet<AppEventType> = new Set([AppEventType.COLLABORATOR_REMOVED, AppEventType.APP_TRANSFERRED, AppEventType.APP_DESTROYED]);
  const watchingAccess = Promise.all([
    (async () => {
      for await (const event of appEvents) if (ACCESS_EVENTS.has(event.type)) void attach.accessChanged(event.app);
    })(),
    (async () => {
      for await (const event of appsDestroyed) void attach.accessChanged(event.app);
    })(),
  ]).catch((error: unknown) => log.error({ err: error }, "the app access feed failed"));
  // onConnect already refused a cookie session without its CSRF token; here it only picks the token.
  const socketAuthorization = (request: IncomingMessage, params: Record<string, unknown> | undefined) => {
    const auth = authorizationOf(request, params ?? {});
    return "refused" in auth ? null : auth.authorization;
  };
  const rules = [...specifiedRules, depthLimit(options.maxQueryDepth)];
  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema,
      subscribe: sharedSubscribe(),
      onConnect: (wsCtx) => {
        const auth = authorizationOf(wsCtx.extra.request, wsCtx.connectionParams ?? {});
        if ("refused" in auth) return false;
        const token = bearer(auth.authorization);
        if (token) socketTokens.set(wsCtx.extra.socket, hashToken(token));
        return true;
      },
      // Anything thrown here would close the client's whole socket (all its subscriptions) with the
      // error's text: every failure becomes this operation's errors instead.
      onSubscribe: async (wsCtx, _id, payload) => {
        try {
          const document = parse(payload.query);
          const errors = validate(schema, document, rules);
          if (errors.length > 0) return errors;
          const tooCostly = complexityError(schema, document, options.maxQueryComplexity, payload.operationName, payload.variables);
          if (tooCostly) return [tooCostly];
          return {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: await contextFor(socketAuthorization(wsCtx.extra.request, wsCtx.connectionParams), wsCtx.extra.request.socket.remoteAddress),
          };
        } catch (error) {
          const formatted = toClientError(error, log);
          return [new GraphQLError(formatted.message, { extensions: formatted.extensions })];
        }
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => toClientError(e, log)) } : result,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => toClientError(e, log)),
    },
    wsServer,
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port, options.host, () => resolve());
  }).catch(async (error: unknown) => {
    await sessionsEnded.return?.();
    await appEvents.return?.();
    await appsDestroyed.return?.();
    throw error;
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}/graphql`;
  log.info({ url }, "API listening");

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close() {
      // graphql-ws's dispose closes the WebSocket server; Apollo's drain closes the HTTP server.
      closing ??= (async () => {
        await sessionsEnded.return?.();
        await watchingSessions;
        await appEvents.return?.();
        await appsDestroyed.return?.();
        await watchingAccess;
        for (const client of wsServer.clients) client.terminate();
        await attach.close();
        await wsCleanup.dispose();
        await apollo.stop();
      })();
      return closing;
    },
  };
}
