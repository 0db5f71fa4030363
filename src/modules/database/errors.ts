import pg from "pg";
import { QueryFailedError } from "typeorm";
import { type DomainError, componentUnavailable } from "../../core/errors";
import { StallWatch, freshConnectionProbe } from "./stall-watch";

/** PostgreSQL's unique_violation (23505), as TypeORM passes it on (from pg and from PGlite). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? (error as { driverError?: { code?: string } })?.driverError?.code;
  return code === "23505";
}

/** SQLSTATEs that mean the server is going, gone or not ready, not that the statement was wrong. */
const SERVER_GONE_STATES = new Set(["57P01", "57P02", "57P03", "53300"]);
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND"]);
const DRIVER_MESSAGES = /connection terminated|not queryable|query read timeout|timeout expired|connection is closed|server closed the connection/i;

/** True when a pg error says the server cannot be reached or went away (as opposed to a bad statement). */
function isServerGone(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (code.startsWith("08") || SERVER_GONE_STATES.has(code) || SOCKET_CODES.has(code))) return true;
  return typeof message === "string" && DRIVER_MESSAGES.test(message);
}

/**
 * The database's UNAVAILABLE for an error TypeORM raised because PostgreSQL is unreachable (a failed
 * statement whose driver error says the connection is gone); null for anything else. Connecting
 * errors are typed where they happen (`boundedPg`).
 */
export function databaseOutage(error: unknown): DomainError | null {
  if (error instanceof QueryFailedError && isServerGone(error.driverError)) return componentUnavailable("database", error);
  return null;
}

type ConnectCallback = (err: unknown, client: unknown, release: (err?: unknown) => void) => void;
type Connect = (callback?: ConnectCallback) => unknown;

/**
 * The `pg` module with a Pool whose failed connects (refused, timed out, the server starting or
 * shutting down) come back as the database's UNAVAILABLE; TypeORM passes them on as they are.
 * `connectTimeoutMs` bounds each new connection, not the wait for a pooled one: a busy pool makes
 * requests queue, it does not make the database "unavailable".
 */
export function boundedPg(connectTimeoutMs?: number): typeof pg {
  const typed = (err: unknown) => (err && isServerGone(err) ? componentUnavailable("database", err) : err);
  let watch: StallWatch | null = null;
  class BoundedClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      const bounded = { ...config, connectionTimeoutMillis: connectTimeoutMs ?? config?.connectionTimeoutMillis };
      super(bounded);
      watch ??= new StallWatch(freshConnectionProbe(pg.Client, bounded));
    }
  }
  // Statements in flight are watched, so a hung server is told from a slow statement (stall-watch.ts).
  const baseQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (BoundedClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    const result = baseQuery.apply(this, args);
    if (watch && result && typeof (result as Promise<unknown>).then === "function") {
      const client = this;
      watch.started(client);
      const done = () => watch?.finished(client);
      (result as Promise<unknown>).then(done, done);
    }
    return result;
  };
  const baseConnect = pg.Pool.prototype.connect as Connect;
  class BoundedPool extends pg.Pool {
    constructor(config?: pg.PoolConfig) {
      super({ ...config, Client: BoundedClient } as pg.PoolConfig);
    }
  }
  // TypeORM calls the callback form; the promise form is covered the same way.
  (BoundedPool.prototype as unknown as { connect: Connect }).connect = function (this: pg.Pool, callback?: ConnectCallback) {
    if (typeof callback !== "function") {
      return (baseConnect.call(this) as Promise<unknown>).catch((err: unknown) => {
        throw typed(err);
      });
    }
    return baseConnect.call(this, (err, client, release) => callback(typed(err), client, release));
  };
  // Inherit the rest of the module without reading its lazy getters (pg.native would try pg-native).
  return Object.create(pg, { Pool: { value: BoundedPool, enumerable: true } }) as typeof pg;
}
