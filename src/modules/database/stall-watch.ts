import type pg from "pg";

/**
 * Tells a hung PostgreSQL (connections open, nothing answers: a stopped or frozen server) from a slow
 * statement within about two seconds, instead of at the statement timeout (15 s by default, which
 * legitimate long statements need).
 *
 * When a statement has waited STALL_AFTER_MS and no other statement finished meanwhile, one probe
 * opens a fresh connection and runs `select 1`. If that answers, the server is alive and the slow
 * statement goes on. If it does not within PROBE_MS, every connection with a statement in flight is
 * cut: pg fails those statements with "Connection terminated", which callers already map to the
 * database's SERVICE_UNAVAILABLE.
 */
const STALL_AFTER_MS = 800;
const PROBE_MS = 1_000;

type Probe = () => Promise<void>;

export class StallWatch {
  private readonly inFlight = new Map<pg.Client, number>();
  private lastFinishedAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private probing = false;

  constructor(private readonly probe: Probe) {}

  started(client: pg.Client): void {
    if (!this.inFlight.has(client)) this.inFlight.set(client, Date.now());
    this.arm();
  }

  finished(client: pg.Client): void {
    this.inFlight.delete(client);
    this.lastFinishedAt = Date.now();
    if (this.inFlight.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private arm(): void {
    if (this.timer || this.probing) return;
    // Next look: when the oldest statement has waited STALL_AFTER_MS and nothing has finished for as long.
    const oldest = Math.min(...this.inFlight.values());
    const wait = Math.max(50, Math.max(oldest, this.lastFinishedAt) + STALL_AFTER_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check();
    }, wait);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (this.inFlight.size === 0) return;
    const now = Date.now();
    const stalled = [...this.inFlight].filter(([, since]) => now - since >= STALL_AFTER_MS).map(([client]) => client);
    // A statement that finished lately shows the server answers: this one is just slow.
    if (stalled.length === 0 || now - this.lastFinishedAt < STALL_AFTER_MS) return this.rearm();
    this.probing = true;
    const alive = await this.probe().then(
      () => true,
      () => false,
    );
    this.probing = false;
    if (!alive) {
      for (const client of stalled) {
        if (!this.inFlight.has(client)) continue;
        this.inFlight.delete(client);
        (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      }
    } else {
      this.lastFinishedAt = Date.now();
    }
    this.rearm();
  }

  private rearm(): void {
    if (this.inFlight.size > 0) this.arm();
  }
}

/** A probe that connects afresh and runs `select 1`, failing after PROBE_MS. */
export function freshConnectionProbe(Client: typeof pg.Client, config: pg.ClientConfig): Probe {
  return async () => {
    const client = new Client({ ...config, connectionTimeoutMillis: PROBE_MS, query_timeout: PROBE_MS });
    client.on("error", () => undefined);
    const cut = () => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    const timer = setTimeout(cut, PROBE_MS);
    try {
      await client.connect();
      await client.query("select 1");
      void client.end().catch(() => undefined);
    } catch (error) {
      cut();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}
