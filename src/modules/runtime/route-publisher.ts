import type { Logger } from "../../core/logger";
import { type DiscoveryLease, type DiscoveryStore, parseKey, serviceKey, servicesOf } from "../discovery";
import type { RouteSink } from "./scheduler";

/**
 * Publishes routed processes to discovery under this process's lease: while it lives its routes
 * stay (the lease renews itself); if it dies they expire. If the store says the lease was lost
 * (it expired while unreachable), a new one is taken and every route put back.
 */
export class RoutePublisher implements RouteSink {
  private lease: Promise<DiscoveryLease> | null = null;
  private readonly mine = new Map<string, string>();

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
    try {
      const lease = await this.current();
      for (const [key, address] of this.mine) await lease.put(key, address);
    } catch (error) {
      this.log.error({ err: error }, "could not publish routes again");
    }
  }

  async publish(app: string, process: string, address: string): Promise<void> {
    const key = serviceKey(app, process);
    this.mine.set(key, address);
    await (await this.current()).put(key, address);
  }

  async unpublish(app: string, process: string): Promise<void> {
    const key = serviceKey(app, process);
    this.mine.delete(key);
    await this.discovery.delete(key);
  }

  async published(app: string): Promise<string[]> {
    const routes = await this.discovery.getPrefix(servicesOf(app));
    return [...routes.keys()].flatMap((key) => {
      const parsed = parseKey(key);
      return parsed.kind === "service" ? [parsed.container] : [];
    });
  }

  /** Stops renewing without revoking: routes outlive a controller restart by their TTL. */
  close(): void {
    this.mine.clear();
  }
}
