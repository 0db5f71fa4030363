import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DataSource } from "typeorm";
import type { Logger } from "../../core/logger";
import { openDatabase } from "./data-source";
import { type RunningPostgresServer, startPostgresServer } from "./postgres-server";

/** Which embedded database `up` runs when no DATABASE_URL is given. */
export type EmbeddedDatabaseChoice = "auto" | "postgresql" | "pglite";

export interface PlatformDatabase {
  readonly dataSource: DataSource;
  /** postgresql: DATABASE_URL; embedded-postgresql: the host's server run as a child; pglite: in-process. */
  readonly backend: "postgresql" | "embedded-postgresql" | "pglite";
  /** The embedded server's postmaster, when one runs. */
  readonly serverPid: number | null;
  close(): Promise<void>;
}

export interface PlatformDatabaseOptions {
  readonly url: string | undefined;
  readonly dataDir: string;
  readonly embedded: EmbeddedDatabaseChoice;
  readonly log: Logger;
  /** How long a connection and a statement may take (an unreachable database answers UNAVAILABLE). */
  readonly bounds?: { readonly connectTimeoutMs?: number; readonly queryTimeoutMs?: number };
}

/**
 * The platform's database: DATABASE_URL when set; otherwise an embedded one with its data under the
 * data dir. `auto` runs the host's PostgreSQL server (Debian's `postgresql` package) as a child
 * process, about 40 MB where in-process PGlite is about 300 MB, and falls back to PGlite when the
 * server is not installed or cannot start. A data dir that already holds PGlite's data (and no
 * server's) keeps PGlite, so an upgrade finds its data.
 */
export async function openPlatformDatabase(options: PlatformDatabaseOptions): Promise<PlatformDatabase> {
  const { log } = options;
  if (options.url) {
    const dataSource = await openDatabase({ ...options.bounds, url: options.url });
    return { dataSource, backend: "postgresql", serverPid: null, close: () => dataSource.destroy() };
  }
  const serverDir = join(options.dataDir, "postgres");
  const pgliteDir = join(options.dataDir, "pglite");
  let choice = options.embedded;
  if (choice === "auto" && existsSync(join(pgliteDir, "PG_VERSION")) && !existsSync(join(serverDir, "PG_VERSION"))) {
    log.info({ dir: pgliteDir }, "database: PGlite (in-process), which holds this data dir's data");
    choice = "pglite";
  }
  if (choice !== "pglite") {
    let server: RunningPostgresServer | null = null;
    try {
      server = await startPostgresServer(serverDir);
    } catch (error) {
      if (choice === "postgresql") throw error;
      log.warn({ reason: (error as Error).message }, "database: the host's PostgreSQL server cannot run here; using PGlite (in-process, about 250 MB more memory)");
    }
    if (server) {
      const running = server;
      try {
        const dataSource = await openDatabase({ ...options.bounds, server: running });
        log.info({ dir: serverDir, pid: running.pid }, "database: the host's PostgreSQL server, run as a child process");
        return {
          dataSource,
          backend: "embedded-postgresql",
          serverPid: running.pid,
          async close() {
            await dataSource.destroy().catch(() => undefined);
            await running.stop();
          },
        };
      } catch (error) {
        await running.stop();
        throw error;
      }
    }
  }
  const dataSource = await openDatabase({ ...options.bounds, pgliteDir });
  if (options.embedded === "pglite") log.info({ dir: pgliteDir }, "database: PGlite (in-process)");
  return { dataSource, backend: "pglite", serverPid: null, close: () => dataSource.destroy() };
}
