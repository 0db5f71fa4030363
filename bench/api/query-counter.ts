import { AsyncLocalStorage } from "node:async_hooks";
import { Server } from "node:http";
import type { Logger as TypeOrmLogger } from "typeorm";

/** Set while this process handles an HTTP request (and in everything that handling goes on to). */
const inRequest = new AsyncLocalStorage<true>();
let marking = false;
/** Requests are marked only while counting: the storage costs the server's every promise a hook. */
let counting = false;

/**
 * Marks the handling of every HTTP request this process's servers receive (bench only: it wraps
 * `Server.prototype.emit`), so a query is counted for the request that sent it and not for the
 * background work (reconciler, log server, cron) that happens to run during it.
 */
function markRequests(): void {
  if (marking) return;
  marking = true;
  const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    return event === "request" && counting ? inRequest.run(true, () => emit.call(this, event, ...args)) : emit.call(this, event, ...args);
  } as typeof Server.prototype.emit;
}

/**
 * A TypeORM logger that counts every SQL statement a request sends (TypeORM calls logQuery for each
 * one, transaction statements included, in the caller's async context) and keeps their text while
 * recording is on; statements of background work are counted apart (`background`).
 */
export class QueryCounter implements TypeOrmLogger {
  count = 0;
  background = 0;
  private recorded: string[] | null = null;

  constructor() {
    markRequests();
  }

  /** Counts each request's statements from now (`count`, `reset`) until `stop`. */
  start(): void {
    counting = true;
    this.count = 0;
  }

  /** Stops counting; the server's promises run without hooks again. */
  stop(): void {
    counting = false;
    inRequest.disable();
  }

  reset(): void {
    this.count = 0;
  }

  /** Starts keeping the text of each query (with its parameters) until `stopRecording`. */
  record(): void {
    this.recorded = [];
  }

  stopRecording(): string[] {
    const queries = this.recorded ?? [];
    this.recorded = null;
    return queries;
  }

  logQuery(query: string, parameters?: unknown[]): void {
    if (!counting) return;
    if (!inRequest.getStore()) {
      this.background++;
      return;
    }
    this.count++;
    this.recorded?.push(parameters && parameters.length > 0 ? `${query} -- params: ${JSON.stringify(parameters)}` : query);
  }

  logQueryError(error: string | Error, query: string): void {
    console.error(`SQL error: ${error instanceof Error ? error.message : error}\n  in: ${query}`);
  }

  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
