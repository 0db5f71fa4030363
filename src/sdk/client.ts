import { type DocumentNode, OperationTypeNode, getOperationAST, print } from "graphql";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { type Requester, getSdk } from "./generated";

export * from "./generated";

/** An error the API returned, with its `extensions.code` and, for bad input, the field and rule. */
export class DeisApiError extends Error {
  readonly code: string;
  readonly field?: string;
  readonly rule?: string;

  constructor(readonly errors: readonly GraphQLErrorLike[]) {
    super(errors.map((e) => e.message).join("; ") || "the API returned an error");
    this.name = "DeisApiError";
    const extensions = errors[0]?.extensions ?? {};
    this.code = typeof extensions.code === "string" ? extensions.code : "UNKNOWN";
    if (typeof extensions.field === "string") this.field = extensions.field;
    if (typeof extensions.rule === "string") this.rule = extensions.rule;
  }
}

/** The controller took longer than the request timeout to answer (it accepted the request and went silent). */
export class DeisTimeoutError extends Error {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`the controller at ${url} did not answer within ${timeoutMs / 1000} s`);
    this.name = "DeisTimeoutError";
  }
}

/** A subscription's connection ended without the API choosing to end it (the platform stopped, the network went). */
export class DeisConnectionClosedError extends Error {
  constructor(
    readonly url: string,
    readonly closeCode: number | null,
    reason: string,
  ) {
    super(`the connection to ${url} closed${closeCode === null ? "" : ` (${closeCode}${reason ? ` ${reason}` : ""})`}`);
    this.name = "DeisConnectionClosedError";
  }
}

interface GraphQLErrorLike {
  readonly message: string;
  readonly extensions?: Record<string, unknown>;
}

interface Result<R> {
  data?: R | null;
  errors?: readonly GraphQLErrorLike[];
}

export interface DeisClientOptions {
  /** The API's URL, e.g. http://127.0.0.1:8000/graphql; subscriptions use the same URL over ws://. */
  readonly url: string;
  readonly token?: string | null;
  /** How long one query or mutation may take, and a subscription's connection to be acknowledged; none when absent. */
  readonly timeoutMs?: number;
}

export type DeisSdk = ReturnType<typeof getSdk>;

export interface DeisClient {
  readonly sdk: DeisSdk;
  /** Ends the subscription connection, if one was opened. */
  close(): Promise<void>;
}

const printed = new WeakMap<DocumentNode, string>();

function text(doc: DocumentNode): string {
  let query = printed.get(doc);
  if (query === undefined) {
    query = print(doc);
    printed.set(doc, query);
  }
  return query;
}

function unwrap<R>(result: Result<R>): R {
  if (result.errors && result.errors.length > 0) throw new DeisApiError(result.errors);
  if (result.data === undefined || result.data === null) throw new DeisApiError([{ message: "the API returned no data" }]);
  return result.data;
}

/** The API closes a subscription connection when its session ends: 4401 (token revoked), 4403 (rights changed). */
const CLOSE_CODES: Readonly<Record<number, string>> = { 4401: "UNAUTHENTICATED", 4403: "FORBIDDEN" };

/** A WebSocket close the API chose, as a DeisApiError; null for anything else. */
function closedConnectionError(error: unknown): DeisApiError | null {
  const close = error as { code?: unknown; reason?: unknown } | null;
  if (typeof close?.code !== "number" || !(close.code in CLOSE_CODES)) return null;
  const reason = typeof close.reason === "string" && close.reason ? close.reason : `the connection was closed (${close.code})`;
  return new DeisApiError([{ message: reason, extensions: { code: CLOSE_CODES[close.code], closeCode: close.code } }]);
}

/** Anything else that ends a subscription's connection: a close event or a socket error, as one typed error. */
function lostConnectionError(error: unknown, url: string): Error {
  if (error instanceof Error) return error;
  const close = error as { code?: unknown; reason?: unknown } | null;
  const code = typeof close?.code === "number" ? close.code : null;
  return new DeisConnectionClosedError(url, code, typeof close?.reason === "string" ? close.reason : "");
}

/**
 * The typed SDK over HTTP for queries and mutations and graphql-ws for subscriptions, with the
 * bearer token on both. Errors come back as DeisApiError.
 */
export function createDeisClient(options: DeisClientOptions): DeisClient {
  const authorization = options.token ? `Bearer ${options.token}` : undefined;
  let ws: Client | null = null;
  const websocket = () =>
    (ws ??= createClient({
      url: options.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      ...(options.timeoutMs ? { connectionAckWaitTimeout: options.timeoutMs } : {}),
      connectionParams: authorization ? { authorization } : {},
    }));

  const requester: Requester = <R, V>(doc: DocumentNode, variables?: V): Promise<R> | AsyncIterable<R> => {
    const query = text(doc);
    if (getOperationAST(doc)?.operation === OperationTypeNode.SUBSCRIPTION) {
      const iterator = websocket().iterate<R>({ query, variables: (variables ?? {}) as Record<string, unknown> });
      return (async function* subscription() {
        try {
          for await (const result of iterator) yield unwrap<R>(result as Result<R>);
        } catch (error) {
          throw closedConnectionError(error) ?? lostConnectionError(error, options.url);
        }
      })();
    }
    return (async () => {
      const signal = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
      const timedOut = (error: unknown) => {
        if (signal?.aborted && (error as { name?: unknown } | null)?.name === "TimeoutError") throw new DeisTimeoutError(options.url, options.timeoutMs!);
        throw error;
      };
      const response = await fetch(options.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query, variables: variables ?? {} }),
        ...(signal ? { signal } : {}),
      }).catch(timedOut);
      let body: Result<R>;
      try {
        body = (await response.json()) as Result<R>;
      } catch (error) {
        if (signal?.aborted) timedOut(error);
        throw new DeisApiError([{ message: `the API answered HTTP ${response.status} without JSON`, extensions: { code: "BAD_RESPONSE" } }]);
      }
      return unwrap(body);
    })();
  };

  return {
    sdk: getSdk(requester),
    async close() {
      await ws?.dispose();
    },
  };
}
