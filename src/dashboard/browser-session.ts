import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type GraphQLFormattedError, Kind, parse } from "graphql";
import type { RequestContext } from "../core/context";
import { DomainError, invalidInput } from "../core/errors";
import type { User } from "../entities";

/**
 * The browser's session: the same API token the CLI holds, kept in an httpOnly, SameSite=Strict
 * cookie so no script in the page can read it. Requests that authenticate with the cookie must also
 * carry the CSRF token (HMAC of the session token) in `x-csrf-token` (HTTP) or in the graphql-ws
 * connection params (`csrf`), and come from this origin. A bearer token, when present, wins.
 */
export const SESSION_COOKIE = "deis_session";
export const CSRF_HEADER = "x-csrf-token";

/** What the session endpoints need of the auth service. */
export interface SessionAuth {
  login(ctx: RequestContext, username: string, password: string): Promise<{ token: string; user: User }>;
  register(ctx: RequestContext, input: { username: string; password: string; email?: string | null }): Promise<{ token: string; user: User }>;
  logout(ctx: RequestContext): Promise<boolean>;
}

export interface SessionDeps {
  readonly auth: SessionAuth;
  /** The request context for an `Authorization` value, as the API makes it for GraphQL. */
  readonly contextFor: (authorization: string | null, address: string | undefined) => Promise<{ ctx: RequestContext }>;
  /** Turns any error into what clients see (the API's one error mapping). */
  readonly clientError: (error: unknown) => GraphQLFormattedError;
  /** Runs a GraphQL query as the API would for this `Authorization`: its `{ data, errors }`. */
  readonly runQuery: (authorization: string, request: { query: string; variables: Record<string, unknown> }, address: string | undefined) => Promise<unknown>;
}

/** The longest query a session check may carry (the dashboard's first page of data). */
const MAX_PRELOAD_QUERY = 8 * 1024;

/**
 * The query a session check carries (`?query=...&variables=...`), so the page's first data comes in
 * the same round trip as the session: queries only (a GET changes nothing), or null when none.
 */
function preloadQuery(search: URLSearchParams): { query: string; variables: Record<string, unknown> } | null {
  const query = search.get("query");
  if (query === null) return null;
  if (query.length > MAX_PRELOAD_QUERY) throw invalidInput("query", `is at most ${MAX_PRELOAD_QUERY} characters`);
  let operations;
  try {
    operations = parse(query).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  } catch {
    throw invalidInput("query", "is not a GraphQL document");
  }
  if (operations.length !== 1 || operations[0].kind !== Kind.OPERATION_DEFINITION || operations[0].operation !== "query") {
    throw invalidInput("query", "must hold one query (no mutation, no subscription)");
  }
  let variables: unknown = {};
  try {
    variables = JSON.parse(search.get("variables") ?? "{}");
  } catch {
    throw invalidInput("variables", "is not JSON");
  }
  if (typeof variables !== "object" || variables === null || Array.isArray(variables)) throw invalidInput("variables", "must be a JSON object");
  return { query, variables: variables as Record<string, unknown> };
}

/** The CSRF token of a session: derivable from the session token only, so the server stores nothing. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update("deis dashboard csrf").digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookies(req: IncomingMessage): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!found.has(name)) found.set(name, part.slice(at + 1).trim());
  }
  return found;
}

/** True when the request names no other origin than the one it was sent to (no Origin header: not a browser's cross-site request). */
export function fromThisOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function sessionToken(req: IncomingMessage): string | null {
  const value = cookies(req).get(SESSION_COOKIE);
  return value && /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : null;
}

export type CookieAuthorization = { kind: "none" } | { kind: "ok"; authorization: string } | { kind: "refused"; reason: string };

/**
 * The `Authorization` a cookie-carrying request stands for, once its CSRF token and origin check out.
 * `csrf` is the x-csrf-token header (HTTP) or the connection param (WebSocket).
 */
export function cookieAuthorization(req: IncomingMessage, csrf: unknown): CookieAuthorization {
  const token = sessionToken(req);
  if (token === null) return { kind: "none" };
  if (!fromThisOrigin(req)) return { kind: "refused", reason: "a browser session is only accepted from the dashboard's own origin" };
  if (typeof csrf !== "string" || !sameText(csrf, csrfTokenFor(token))) {
    return { kind: "refused", reason: `a browser session needs its CSRF token in the ${CSRF_HEADER} header` };
  }
  return { kind: "ok", authorization: `Bearer ${token}` };
}

function secure(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}

function sessionCookie(req: IncomingMessage, token: string | null): string {
  const attributes = ["Path=/", "HttpOnly", "SameSite=Strict", ...(secure(req) ? ["Secure"] : [])];
  return token === null ? [`${SESSION_COOKIE}=`, "Max-Age=0", ...attributes].join("; ") : [`${SESSION_COOKIE}=${token}`, ...attributes].join("; ");
}

function send(res: ServerResponse, status: number, body: unknown, cookie?: string): void {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };
  if (cookie) headers["set-cookie"] = cookie;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

const STATUS: Readonly<Record<string, number>> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, CONFLICT: 409, TOO_MANY_REQUESTS: 429 };

function sendError(res: ServerResponse, error: GraphQLFormattedError): void {
  const code = String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR");
  send(res, STATUS[code] ?? 500, { errors: [error] });
}

function userView(user: User): { username: string; isAdmin: boolean } {
  return { username: user.username, isAdmin: user.isAdmin };
}

function field(body: Record<string, unknown>, name: string, optional = false): string | null {
  const value = body[name];
  if (value === undefined || value === null) {
    if (optional) return null;
    throw invalidInput(name, "is required");
  }
  if (typeof value !== "string") throw invalidInput(name, "must be a string");
  return value;
}

export const SESSION_PATH = "/session";

/**
 * The browser's session endpoints (JSON only, this origin only):
 * GET /session (who am I, and the CSRF token; with `?query=` also that query's answer, as `preload`),
 * POST /session (log in), POST /session/register,
 * POST /session/logout (needs the CSRF token). Errors have the API's shape: { errors: [{ message, extensions }] }.
 */
export async function handleSessionRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: () => Promise<string>,
  deps: SessionDeps,
): Promise<void> {
  const path = url.pathname;
  const address = req.socket.remoteAddress;
  try {
    if (!fromThisOrigin(req)) throw new DomainError("PERMISSION_DENIED", "the session endpoints only answer the dashboard's own origin");
    if (path === SESSION_PATH && req.method === "GET") {
      const token = sessionToken(req);
      const { ctx } = await deps.contextFor(token ? `Bearer ${token}` : null, address);
      if (!token || !ctx.user) {
        send(res, 401, { errors: [{ message: "not signed in", extensions: { code: "UNAUTHENTICATED" } }] }, token ? sessionCookie(req, null) : undefined);
        return;
      }
      const preload = preloadQuery(url.searchParams);
      const answer = preload ? await deps.runQuery(`Bearer ${token}`, preload, address) : undefined;
      send(res, 200, { user: userView(ctx.user), csrf: csrfTokenFor(token), ...(preload ? { preload: answer } : {}) });
      return;
    }
    if (req.method !== "POST") {
      send(res, 405, { errors: [{ message: "use POST", extensions: { code: "BAD_REQUEST" } }] });
      return;
    }
    // A cross-site form cannot send JSON without a preflight this server never grants.
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
      send(res, 415, { errors: [{ message: "send JSON (content-type: application/json)", extensions: { code: "BAD_REQUEST" } }] });
      return;
    }
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse((await body()) || "{}");
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      input = parsed as Record<string, unknown>;
    } catch {
      send(res, 400, { errors: [{ message: "the request body is not a JSON object", extensions: { code: "BAD_REQUEST" } }] });
      return;
    }
    if (path === SESSION_PATH || path === `${SESSION_PATH}/register`) {
      const { ctx } = await deps.contextFor(null, address);
      const username = field(input, "username")!;
      const password = field(input, "password")!;
      const session =
        path === SESSION_PATH
          ? await deps.auth.login(ctx, username, password)
          : await deps.auth.register(ctx, { username, password, email: field(input, "email", true) });
      send(res, 200, { user: userView(session.user), csrf: csrfTokenFor(session.token) }, sessionCookie(req, session.token));
      return;
    }
    if (path === `${SESSION_PATH}/logout`) {
      const auth = cookieAuthorization(req, req.headers[CSRF_HEADER]);
      if (auth.kind === "refused") throw new DomainError("PERMISSION_DENIED", auth.reason);
      if (auth.kind === "ok") {
        const { ctx } = await deps.contextFor(auth.authorization, address);
        if (ctx.user) await deps.auth.logout(ctx);
      }
      send(res, 200, { signedOut: true }, sessionCookie(req, null));
      return;
    }
    send(res, 404, { errors: [{ message: `not found: ${path}`, extensions: { code: "NOT_FOUND" } }] });
  } catch (error) {
    sendError(res, deps.clientError(error));
  }
}
