import { type Client, createClient } from "graphql-ws";
import { getSdk } from "./generated";

/** An error from the API: its `extensions.code` and, for bad input, the field and the rule it broke. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
    readonly rule?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface WireError {
  message: string;
  extensions?: { code?: unknown; field?: unknown; rule?: unknown };
}

function toApiError(errors: readonly WireError[] | undefined, fallback: string): ApiError {
  const first = errors?.[0];
  const ext = first?.extensions ?? {};
  return new ApiError(
    first?.message ?? fallback,
    typeof ext.code === "string" ? ext.code : "UNKNOWN",
    typeof ext.field === "string" ? ext.field : undefined,
    typeof ext.rule === "string" ? ext.rule : undefined,
  );
}

export interface Me {
  readonly username: string;
  readonly isAdmin: boolean;
}

/** The CSRF token of the cookie session; the session token itself is in an httpOnly cookie no script can read. */
let csrf: string | null = null;
const sessionListeners = new Set<(me: Me | null) => void>();

export function onSessionEnd(listener: (me: Me | null) => void): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

/** Forgets the session here (the API ended it, e.g. a regenerated token revoked every other one). */
export function endSession(): void {
  csrf = null;
  socket?.dispose();
  socket = null;
  for (const listener of sessionListeners) listener(null);
}

interface SessionAnswer {
  user?: Me;
  csrf?: string;
  preload?: { data?: unknown; errors?: WireError[] };
  errors?: WireError[];
}

async function sessionCall(path: string, method: "GET" | "POST", body?: unknown): Promise<{ user: Me; csrf: string; preload?: SessionAnswer["preload"] } | null> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "content-type": "application/json", ...(csrf ? { "x-csrf-token": csrf } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as SessionAnswer;
  if (answer.errors) {
    if (method === "GET" && response.status === 401) return null;
    throw toApiError(answer.errors, `${response.status} ${response.statusText}`);
  }
  if (answer.user && answer.csrf) {
    csrf = answer.csrf;
    return { user: answer.user, csrf: answer.csrf, preload: answer.preload };
  }
  return null;
}

/** A query's answer that came with the session check, kept for the one view that asked for it. */
let preloaded: { key: string; data: unknown } | null = null;

/** The preloaded answer to this query and these variables, once; null when there is none (ask the API). */
export function takePreloaded<R>(query: string, variables: unknown): R | null {
  const found = preloaded?.key === `${String(query)}\n${JSON.stringify(variables)}` ? (preloaded.data as R) : null;
  preloaded = null;
  return found;
}

/**
 * Who is signed in, in one round trip with the first data the page needs (`preload`: a query the
 * session endpoint answers too), so the first view renders without asking again.
 */
export async function currentSession(preload?: { query: string; variables: Record<string, unknown> }): Promise<Me | null> {
  const search = preload ? `?${new URLSearchParams({ query: String(preload.query), variables: JSON.stringify(preload.variables) })}` : "";
  const session = await sessionCall(`/session${search}`, "GET");
  if (preload && session?.preload?.data && !session.preload.errors?.length) {
    preloaded = { key: `${String(preload.query)}\n${JSON.stringify(preload.variables)}`, data: session.preload.data };
  }
  return session?.user ?? null;
}

export async function signIn(username: string, password: string): Promise<Me> {
  return (await sessionCall("/session", "POST", { username, password }))!.user;
}

export async function register(username: string, password: string, email: string | null): Promise<Me> {
  return (await sessionCall("/session/register", "POST", { username, password, email }))!.user;
}

export async function signOut(): Promise<void> {
  await sessionCall("/session/logout", "POST", {});
  endSession();
}

let socket: Client | null = null;
const reconnectListeners = new Set<() => void>();

/**
 * Called each time the live connection is up again after it dropped (the network changed, the API
 * restarted): events sent meanwhile were missed, so live views load again.
 */
export function onReconnected(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

function subscriptions(): Client {
  socket ??= createClient({
    url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`,
    connectionParams: () => ({ csrf }),
    lazy: true,
    keepAlive: 20_000,
    retryAttempts: 1_000_000,
    // The API closes a socket whose session ended (4401) or whose rights changed (4403).
    shouldRetry: (event) => !(event && typeof event === "object" && "code" in event && (event.code === 4401 || event.code === 4403)),
    on: {
      connected: (_socket, _payload, wasRetry) => {
        if (wasRetry) for (const listener of reconnectListeners) listener();
      },
      closed: (event) => {
        const code = (event as { code?: number } | null)?.code;
        if (code === 4401) endSession();
      },
    },
  });
  return socket;
}

async function* subscribe<R>(query: string, variables: unknown): AsyncGenerator<R> {
  const iterator = subscriptions().iterate<R>({ query, variables: variables as Record<string, unknown> });
  try {
    for await (const result of iterator) {
      if (result.errors?.length) throw toApiError(result.errors as WireError[], "the subscription failed");
      if (result.data) yield result.data as R;
    }
  } finally {
    await iterator.return?.();
  }
}

async function request<R>(query: string, variables: unknown): Promise<R> {
  const send = () =>
    fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", ...(csrf ? { "x-csrf-token": csrf } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  // A query cut off by the network (e.g. the host adding a bridge network) is asked again once; a mutation never is.
  const response = await send().catch((error: unknown) => (/^\s*query\b/.test(query) ? send() : Promise.reject(error)));
  const answer = (await response.json().catch(() => ({}))) as { data?: R | null; errors?: WireError[] };
  if (answer.errors?.length) {
    const error = toApiError(answer.errors, "the request failed");
    if (error.code === "UNAUTHENTICATED") endSession();
    throw error;
  }
  if (!answer.data) throw new ApiError(`${response.status} ${response.statusText}`, "UNKNOWN");
  return answer.data;
}

/** The typed operations of web/operations, over HTTP (queries, mutations) and graphql-ws (subscriptions). */
export const api = getSdk(<R, V>(doc: string, variables?: V): Promise<R> | AsyncIterable<R> =>
  /^\s*subscription\b/.test(String(doc)) ? subscribe<R>(String(doc), variables) : request<R>(String(doc), variables),
);
