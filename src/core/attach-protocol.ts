/**
 * The wire protocol of interactive one-offs (`deis run -it`), a WebSocket on the API server's port
 * at ATTACH_PATH, authenticated like every API call (`Authorization: Bearer <token>` on the upgrade).
 * The session is asked for in the URL: `?app=APP&command=COMMAND&cols=80&rows=24`.
 *
 * - binary frames: terminal bytes, both ways (keys typed by the client; the screen's output back);
 * - text frames, JSON: from the client `{"resize":{"cols":100,"rows":40}}`; from the server
 *   `{"exit":3}` (the process ended with that code) or `{"error":"...","code":"NOT_FOUND"}` (the
 *   session could not start or was ended); either is the server's last frame before it closes.
 */
export const ATTACH_PATH = "/attach";

export interface ResizeMessage {
  readonly resize: { readonly cols: number; readonly rows: number };
}

export interface ExitMessage {
  readonly exit: number;
}

export interface ErrorMessage {
  readonly error: string;
  /** The GraphQL error code the same failure gets from the API (NOT_FOUND, BAD_USER_INPUT, ...). */
  readonly code: string;
}

export type ServerMessage = ExitMessage | ErrorMessage;

/** The attach URL on the controller whose GraphQL endpoint is `graphqlUrl` (same host and port, ws: or wss:). */
export function attachUrl(graphqlUrl: string, session: { app: string; command: string; cols: number; rows: number }): string {
  const url = new URL(graphqlUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = url.pathname.replace(/\/graphql\/?$/, "") + ATTACH_PATH;
  url.search = new URLSearchParams({ app: session.app, command: session.command, cols: String(session.cols), rows: String(session.rows) }).toString();
  return url.toString();
}

/** A server's text frame, or null when it is not one of ours. */
export function parseServerMessage(text: string): ServerMessage | null {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (typeof value.exit === "number") return { exit: value.exit };
    if (typeof value.error === "string") return { error: value.error, code: typeof value.code === "string" ? value.code : "INTERNAL_SERVER_ERROR" };
  } catch {
    // not JSON
  }
  return null;
}
