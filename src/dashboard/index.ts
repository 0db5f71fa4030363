import type { IncomingMessage, ServerResponse } from "node:http";
import { CSRF_HEADER, SESSION_PATH, type SessionDeps, cookieAuthorization, handleSessionRequest } from "./browser-session";
import { ASSET_PREFIX, serveDashboardFile } from "./static-files";

export { CSRF_HEADER, SESSION_COOKIE, csrfTokenFor } from "./browser-session";
export { contentSecurityPolicy } from "./static-files";

/** What a request authenticates with: its own Authorization, else the browser's cookie session; `refused` names why not. */
export type RequestAuthorization = { authorization: unknown } | { refused: string };

/**
 * The API server's hook for the web dashboard: the page and its assets at / and /assets/, the
 * browser's session endpoints at /session, and the cookie session as a second way to authenticate
 * GraphQL requests (HTTP and graphql-ws) beside bearer tokens.
 */
export function authorizationOf(req: IncomingMessage, connectionParams?: Readonly<Record<string, unknown>>): RequestAuthorization {
  const explicit = connectionParams ? connectionParams.authorization : req.headers.authorization;
  if (explicit !== undefined && explicit !== null && explicit !== "") return { authorization: explicit };
  const csrf = connectionParams ? connectionParams.csrf : req.headers[CSRF_HEADER];
  const browser = cookieAuthorization(req, csrf);
  if (browser.kind === "refused") return { refused: browser.reason };
  return { authorization: browser.kind === "ok" ? browser.authorization : undefined };
}

/** Serves the dashboard's paths; false when the path is not one of them. */
export async function serveDashboard(req: IncomingMessage, res: ServerResponse, url: URL, body: () => Promise<string>, deps: SessionDeps): Promise<boolean> {
  if (url.pathname === SESSION_PATH || url.pathname.startsWith(`${SESSION_PATH}/`)) {
    await handleSessionRequest(req, res, url, body, deps);
    return true;
  }
  if (url.pathname === "/" || url.pathname === "/index.html" || url.pathname.startsWith(ASSET_PREFIX)) return serveDashboardFile(req, res, url.pathname);
  return false;
}
