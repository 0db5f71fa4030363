import { mkdirSync } from "node:fs";
import { DataSource, type Logger as TypeOrmLogger } from "typeorm";
import { ENTITIES } from "../../entities";
import { MIGRATIONS } from "../../entities/migrations";
import { boundedPg } from "./errors";
import { PG_TYPES } from "./timestamps";
import type * as PGlitePoolModule from "./pglite-pool";

export interface DatabaseOptions {
  /** postgres:// URL of a real PostgreSQL; when absent, `server` or else embedded PGlite is used. */
  readonly url?: string;
  /** A PostgreSQL reached through its unix socket (the embedded server the platform runs). */
  readonly server?: { readonly socketDir: string; readonly port: number; readonly user: string; readonly database: string };
  /** PGlite's data directory; in memory when absent (throwaway tests). */
  readonly pgliteDir?: string;
  /** Receives every query when set (used to count queries in benchmarks and tests). */
  readonly logger?: TypeOrmLogger;
  readonly poolSize?: number;
  /** PostgreSQL: longest wait for a new connection (a silent server) before UNAVAILABLE; not the wait for a pooled one. */
  readonly connectTimeoutMs?: number;
  /** PostgreSQL: longest wait for one statement's answer (a server that hangs) before UNAVAILABLE. */
  readonly queryTimeoutMs?: number;
}

/**
 * The platform's one DataSource: PostgreSQL when a URL or a server is given, otherwise PGlite. Both run the
 * same explicit migrations; `synchronize` is never on.
 */
export function createDataSource(options: DatabaseOptions): DataSource {
  const common = {
    type: "postgres" as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    uuidExtension: "pgcrypto" as const,
    installExtensions: false,
    logging: options.logger ? (["query"] as ("query")[]) : false,
    logger: options.logger,
  };
  // Both PostgreSQL pools: the platform's timestamp reader, and the statement timeout when set.
  const pgPool = { types: PG_TYPES, ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}) };
  if (options.url) {
    return new DataSource({
      ...common,
      url: options.url,
      poolSize: options.poolSize ?? 10,
      // Bounded waits, so an unreachable PostgreSQL answers UNAVAILABLE instead of hanging a request.
      driver: boundedPg(options.connectTimeoutMs),
      extra: pgPool,
    });
  }
  if (options.server) {
    const { socketDir, port, user, database } = options.server;
    // The same pool as DATABASE_URL's (a smaller one starved concurrent deploys), but idle connections
    // close soon: each backend is a process of its own, about 15 MB. One stays open, so the idle
    // platform's periodic queries (log server, cron, reconciler) reuse it instead of starting a backend
    // (a fork and its catalog caches) every few seconds.
    return new DataSource({
      ...common,
      host: socketDir,
      port,
      username: user,
      database,
      poolSize: options.poolSize ?? 10,
      driver: boundedPg(options.connectTimeoutMs),
      extra: { ...pgPool, min: 1, idleTimeoutMillis: 5000 },
    });
  }
  if (options.pgliteDir) mkdirSync(options.pgliteDir, { recursive: true });
  // PGlite (its JavaScript and, once opened, its wasm heap) is loaded only when it is the database.
  const { serializedPGliteDriver } = require("./pglite-pool") as typeof PGlitePoolModule;
  return new DataSource({
    ...common,
    driver: serializedPGliteDriver({ dataDir: options.pgliteDir }),
  });
}

/** Connects and brings the schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: "each" });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
