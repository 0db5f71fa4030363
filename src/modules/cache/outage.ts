import type { Redis } from "ioredis";
import { DomainError, componentUnavailable } from "../../core/errors";

/**
 * What a Redis call's failure means for the caller: an answer from Redis itself (a ReplyError, a
 * bad command) stays what it is; anything else (refused, closed, timed out, not writable while
 * reconnecting) is the cache's UNAVAILABLE. Domain errors (a lost lease, a busy lock) pass.
 */
export function cacheError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  if ((error as { name?: unknown } | null)?.name === "ReplyError") return error;
  return componentUnavailable("cache", error);
}

/**
 * Follows whether Redis answers: a failed call marks it down and starts a probe (PING at `probeMs`)
 * that calls the recovery handlers once it answers again. A connection that comes back by itself
 * ("ready") counts too. So work that failed in the outage (a deploy that could not take its lock)
 * is picked up once Redis is back, without waiting for the next full reconcile.
 */
export class CacheHealth {
  private down: Error | null = null;
  private probing = false;
  private closed = false;
  private readonly handlers: (() => void)[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly probeMs: number,
  ) {
    redis.on("ready", () => this.recovered());
  }

  /** Runs `work`, turning a transport failure into the cache's UNAVAILABLE (and noting the outage). */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const mapped = cacheError(error);
      if (mapped instanceof DomainError && mapped.details.component === "cache") this.failed(mapped);
      throw mapped;
    }
  }

  /** Resolves when Redis answers a PING in time; throws the cache's UNAVAILABLE otherwise. */
  async ping(): Promise<void> {
    await this.guard(() => this.redis.ping());
  }

  onRecovered(handler: () => void): void {
    this.handlers.push(handler);
  }

  close(): void {
    this.closed = true;
  }

  private failed(error: Error): void {
    this.down ??= error;
    if (this.probing || this.closed) return;
    this.probing = true;
    const probe = () => {
      if (this.closed) return;
      this.redis.ping().then(
        () => {
          this.probing = false;
          this.recovered();
        },
        () => setTimeout(probe, this.probeMs).unref(),
      );
    };
    setTimeout(probe, this.probeMs).unref();
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = null;
    for (const handler of this.handlers) handler();
  }
}

/** The same store with every method's transport failures as the cache's UNAVAILABLE. */
export function guardStore<T extends object>(store: T, health: CacheHealth): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    guarded[name] =
      typeof value === "function" ? (...args: unknown[]) => health.guard(() => (value as (...a: unknown[]) => Promise<unknown>).apply(store, args)) : value;
  }
  return guarded as T;
}
