import { PGlite } from "@electric-sql/pglite";
import { PGliteDriver } from "typeorm-pglite";

/**
 * PGlite's defaults give its single backend PostgreSQL's 128 MB of shared buffers inside the wasm
 * heap (about 500 MB RSS more than needed); the platform's tables need a few MB.
 */
const PGLITE_START_PARAMS: string[] = [
  ...PGlite.defaultStartParams,
  ...["shared_buffers=8MB", "work_mem=2MB", "temp_buffers=1MB", "wal_buffers=256kB", "maintenance_work_mem=16MB"].flatMap((setting) => ["-c", setting]),
];

type ConnectCallback = (err: Error | null, connection: unknown, release: (err?: unknown) => void) => void;

interface PgLikePool {
  connect(callback: ConnectCallback): Promise<void>;
}

/**
 * typeorm-pglite hands every TypeORM query runner the same single PGlite session, so a transaction
 * opened by one request would swallow the statements of another. PGlite has exactly one session;
 * this pool makes that explicit: a query runner holds the session from connect until release, and
 * the others wait their turn. Code inside a transaction must use the transaction's manager.
 */
export function serializedPGliteDriver(options: { dataDir?: string }): unknown {
  const base = new PGliteDriver({ dataDir: options.dataDir, startParams: PGLITE_START_PARAMS }).driver as unknown as {
    Pool: new (...args: unknown[]) => PgLikePool;
  };
  const BasePool = base.Pool;

  class SerializedPool extends BasePool {
    private tail: Promise<void> = Promise.resolve();

    override connect(callback: ConnectCallback): Promise<void> {
      let free!: () => void;
      const turn = new Promise<void>((resolve) => (free = resolve));
      const previous = this.tail;
      this.tail = previous.then(() => turn);
      return previous.then(() => {
        let released = false;
        const release = () => {
          if (!released) {
            released = true;
            free();
          }
        };
        return super.connect((err, connection) => {
          if (err) release();
          callback(err, connection, release);
        });
      });
    }
  }

  return { Pool: SerializedPool };
}
