import type { Logger } from "../../core/logger";
import { type DiscoveryEvent, type DiscoveryStore, type DiscoveryWatch, ROOT } from "../discovery";
import { RouteTable } from "./route-table";

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/** The route table kept in step with discovery; `close` stops following. */
export interface RouteFollower {
  readonly table: RouteTable;
  close(): Promise<void>;
}

/**
 * Loads `/deis/` into a route table and follows it: the watch starts first and every event is
 * applied at once, then a snapshot replaces the table and the events seen meanwhile are applied
 * again on top (per key the last event wins, so nothing between snapshot and watch is lost).
 * When the watch loses its place it is made again and the table reloaded. While discovery is
 * unreachable the table keeps its last routes and the loader retries with backoff. A route whose
 * lease expired is kept for `leaseGraceMs` (see {@link RouteTable}); the loader drops it when that
 * ends unless its publisher put it back. Resolves once the first snapshot is in. `onChange` is
 * called after each change to the table (an event, a reload, an orphan dropped), never while
 * discovery is unreachable (the table is not touched then).
 */
export async function followRoutes(
  discovery: DiscoveryStore,
  log: Logger,
  leaseGraceMs = 0,
  onChange: () => void = () => undefined,
): Promise<RouteFollower> {
  const follower = new RouteLoader(discovery, log, leaseGraceMs, onChange);
  await follower.start();
  return follower;
}

class RouteLoader implements RouteFollower {
  readonly table: RouteTable;
  private watch: DiscoveryWatch | null = null;
  /** Events seen while a snapshot is being read, to apply again on top of it. */
  private pending: DiscoveryEvent[] | null = null;
  private closed = false;
  private resyncing = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private expiry: { readonly at: number; readonly timer: NodeJS.Timeout } | null = null;

  constructor(
    private readonly discovery: DiscoveryStore,
    private readonly log: Logger,
    leaseGraceMs: number,
    private readonly onChange: () => void,
  ) {
    this.table = new RouteTable(leaseGraceMs);
  }

  async start(): Promise<void> {
    await this.rewatchAndReload();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.expiry) clearTimeout(this.expiry.timer);
    this.expiry = null;
    this.wake?.();
    const watch = this.watch;
    this.watch = null;
    await watch?.close().catch(() => undefined);
  }

  private onEvent(event: DiscoveryEvent): void {
    const orphansBefore = this.table.orphanKeys().length;
    this.table.apply(event);
    this.pending?.push(event);
    if (this.table.orphanKeys().length > orphansBefore) {
      this.log.warn({ key: event.key }, "route lease ended without a retirement; serving it until its publisher puts it back");
    }
    this.scheduleExpiry();
    this.onChange();
  }

  /** A timer for the next orphan's end of grace (one at a time, moved earlier when needed). */
  private scheduleExpiry(): void {
    const next = this.table.nextOrphanExpiry();
    if (this.closed || next === null) return;
    if (this.expiry && this.expiry.at <= next) return;
    if (this.expiry) clearTimeout(this.expiry.timer);
    const timer = setTimeout(() => {
      this.expiry = null;
      const dropped = this.table.expireOrphans();
      if (dropped.length > 0) {
        this.log.warn({ keys: dropped }, "routes not put back within their grace; dropped");
        this.onChange();
      }
      this.scheduleExpiry();
    }, Math.max(0, next - Date.now()));
    timer.unref();
    this.expiry = { at: next, timer };
  }

  private onResync(): void {
    if (this.resyncing || this.closed) return;
    this.resyncing = true;
    this.log.warn("discovery watch lost its place; reloading the routes");
    this.rewatchAndReload().finally(() => (this.resyncing = false));
  }

  /** A new watch, then a snapshot; each retried until it works or the loader closes. */
  private async rewatchAndReload(): Promise<void> {
    const previous = this.watch;
    this.watch = null;
    // A watch that reported an error may never confirm its cancellation: do not wait for it.
    previous?.close().catch(() => undefined);
    this.pending = [];
    try {
      const watch = await this.retry("watch", () =>
        this.discovery.watchPrefix(ROOT, { onEvent: (event) => this.onEvent(event), onResync: () => this.onResync() }),
      );
      if (!watch) return;
      if (this.closed) return void (await watch.close().catch(() => undefined));
      this.watch = watch;
      const snapshot = await this.retry("read", () => this.discovery.getPrefix(ROOT));
      if (!snapshot) return;
      const events = this.pending;
      this.pending = null;
      this.table.load(snapshot);
      for (const event of events) this.table.apply(event);
      this.scheduleExpiry();
      this.onChange();
      const { apps, domains } = this.table.describe();
      this.log.info(
        { apps: Object.keys(apps).length, domains: Object.keys(domains).length, platformDomain: this.table.platformDomain },
        "routes loaded from discovery",
      );
    } finally {
      this.pending = null;
    }
  }

  /** Runs `step` until it succeeds; null once the loader is closed. */
  private async retry<T>(what: string, step: () => Promise<T>): Promise<T | null> {
    let delay = FIRST_RETRY_MS;
    for (;;) {
      if (this.closed) return null;
      try {
        return await step();
      } catch (error) {
        if (this.closed) return null;
        this.log.warn({ err: error, retryInMs: delay }, `discovery ${what} failed; serving the last routes`);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, delay);
        });
        this.timer = null;
        this.wake = null;
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }
}
