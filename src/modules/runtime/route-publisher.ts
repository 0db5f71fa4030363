import type { Logger } from "../../core/logger";
import { type DiscoveryLease, type DiscoveryStore, RETIRED_ROUTE, parseKey, serviceKey, servicesOf } from "../discovery";

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;
import type { RouteSink } from "./scheduler";

/**
 * Publishes routed processes to discovery under this process's lease: while it lives its routes
 * stay (the lease renews itself); if it dies they expire. If the store says the lease was lost
 * (it expired while unreachable, or etcd expired it on resuming from a pause), a new one is taken
 * and every route put back at once, retrying until etcd answers; routers keep a route whose lease
 * ended for a grace period (see RETIRED_ROUTE), so they serve it meanwhile. Routes removed on
 * purpose are retired first, so routers drop those at once.
 */
export class RoutePublisher implements RouteSink {
  private lease: Promise<DiscoveryLease> | null = null;
  private readonly mine = new Map<string, string>();
  private republishing = false;
  private closed = false;

  constructor(
    private readonly discovery: DiscoveryStore,
    private readonly ttlSeconds: number,
    private readonly log: Logger,
  ) {}

  private current(): Promise<DiscoveryLease> {
    if (!this.lease) {
      const lease = this.discovery.lease(this.ttlSeconds);
      this.lease = lease;
      lease.then(
        (granted) =>
          granted.onLost(() => {
            this.log.warn("discovery lease lost; publishing routes again");
            this.lease = null;
            void this.republish();
          }),
        () => {
          if (this.lease === lease) this.lease = null;
        },
      );
    }
    return this.lease;
  }

  private async republish(): Promise<void> {
    if (this.republishing) return;
    this.republishing = true;
    try {
      // Retries come often enough that routes are back well within the routers' grace (one TTL).
      const maxDelay = Math.min(MAX_RETRY_MS, (this.ttlSeconds * 1000) / 4);
      for (let delay = FIRST_RETRY_MS; !this.closed && this.mine.size > 0; delay = Math.min(delay * 2, maxDelay)) {
        try {
          const lease = await this.current();
          for (const [key, address] of [...this.mine]) await lease.put(key, address);
          this.log.info({ routes: this.mine.size }, "routes published again under a new lease");
          return;
        } catch (error) {
          this.log.warn({ err: error, retryInMs: delay }, "could not publish routes again; retrying");
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
        }
      }
    } finally {
      this.republishing = false;
    }
  }

  async publish(app: string, process: string, address: string): Promise<void> {
    const key = serviceKey(app, process);
    this.mine.set(key, address);
    await (await this.current()).put(key, address);
  }

  /** Retires the route (routers drop it at once), then deletes its key. */
  async unpublish(app: string, process: string): Promise<void> {
    const key = serviceKey(app, process);
    this.mine.delete(key);
    // Under the lease: if the delete after it never happens, the marker still expires.
    await (await this.current()).put(key, RETIRED_ROUTE);
    await this.discovery.delete(key);
  }

  async published(app: string): Promise<string[]> {
    const routes = await this.discovery.getPrefix(servicesOf(app));
    return [...routes].flatMap(([key, value]) => {
      const parsed = parseKey(key);
      return parsed.kind === "service" && value !== RETIRED_ROUTE ? [parsed.container] : [];
    });
  }

  keeps(app: string, process: string): boolean {
    return this.mine.has(serviceKey(app, process));
  }

  /** Stops renewing without revoking: routes outlive a controller restart by their TTL. */
  close(): void {
    this.closed = true;
    this.mine.clear();
  }
}
