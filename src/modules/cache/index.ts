import type { Redis as RedisClient } from "ioredis";
import { componentUnavailable } from "../../core/errors";
import { type CounterStore, memoryCounterStore, redisCounterStore } from "./counters";
import type { EventBus } from "./event-bus";
import { type ListStore, memoryListStore, redisListStore } from "./lists";
import { type LockStore, memoryLockStore, redisLockStore } from "./locks";
import { MemoryEventBus } from "./memory-event-bus";
import { CacheHealth, guardStore } from "./outage";
import type * as RedisEventBusModule from "./redis-event-bus";

export { AsyncQueue, endAfter, endWhen } from "./async-queue";
export type { CounterStore } from "./counters";
export { type EventBus, type Topic, topic } from "./event-bus";
export { type Lease, LeaseLost, type LockStore } from "./locks";
export type { ListStore } from "./lists";

/** The cache module's public face: pub/sub, locks, counters and bounded lists, on Redis or in process. */
export interface Cache {
  readonly events: EventBus;
  readonly locks: LockStore;
  readonly counters: CounterStore;
  readonly lists: ListStore;
  readonly backend: "redis" | "memory";
  /** Resolves when the cache answers in time; throws the cache's UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** Called each time Redis answers again after a call failed because it was unreachable. */
  onRecovered(handler: () => void): void;
  close(): Promise<void>;
}

export interface CacheOptions {
  /** redis:// URL; in-process when absent. */
  readonly url?: string;
  /** Prefix of every key and channel, so several platforms (or test files) can share one Redis. */
  readonly prefix?: string;
  /**
   * Longest wait for Redis to connect or answer one command; a call then fails as the cache's
   * UNAVAILABLE instead of waiting for a reconnect (default 1500).
   */
  readonly timeoutMs?: number;
}

export async function openCache(options: CacheOptions): Promise<Cache> {
  if (!options.url) {
    const events = new MemoryEventBus();
    return {
      events,
      locks: memoryLockStore(),
      counters: memoryCounterStore(),
      lists: memoryListStore(),
      backend: "memory",
      ping: async () => undefined,
      onRecovered: () => undefined,
      close: () => events.close(),
    };
  }
  // The Redis clients (about 20 MB) are loaded only when Redis is used.
  const { Redis } = require("ioredis") as { Redis: typeof RedisClient };
  const { RedisEventBus } = require("./redis-event-bus") as typeof RedisEventBusModule;
  const url = options.url;
  const prefix = options.prefix ?? "deis:";
  const timeoutMs = options.timeoutMs ?? 1500;
  // Bounded: a command waits at most timeoutMs (also while queued for a reconnect), and is not
  // retried on later connections; the client itself reconnects for as long as it takes.
  const connect = (offlineQueue: boolean) =>
    new Redis(url, {
      commandTimeout: timeoutMs,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: offlineQueue,
      // The event bus's connections subscribe before they are connected: a ready check (INFO) sent
      // after a queued SUBSCRIBE fails in subscriber mode, and that error went unhandled.
      enableReadyCheck: !offlineQueue,
      lazyConnect: true,
    });
  // Commands fail at once while the client is disconnected (nothing piles up to run minutes later).
  const client = connect(false);
  await client.connect().catch((error: unknown) => {
    client.disconnect(); // stop its reconnecting: the platform does not start without Redis
    throw componentUnavailable("cache", error);
  });
  const health = new CacheHealth(client, Math.min(timeoutMs, 500));
  // The event bus's connections queue (for timeoutMs at most): a subscriber is set up before it is connected.
  const events = guardEvents(new RedisEventBus(() => {
    const bus = connect(true);
    bus.connect().catch(() => undefined);
    return bus;
  }, prefix), health);
  return {
    events,
    locks: guardStore(redisLockStore(client, prefix), health),
    counters: guardStore(redisCounterStore(client, prefix), health),
    lists: guardStore(redisListStore(client, prefix), health),
    backend: "redis",
    ping: () => health.ping(),
    onRecovered: (handler) => health.onRecovered(handler),
    async close() {
      health.close();
      await events.close();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Publishing and subscribing with the cache's UNAVAILABLE for transport failures (closing is not guarded). */
function guardEvents(bus: EventBus, health: CacheHealth): EventBus {
  return {
    publish: (topic, payload) => health.guard(() => bus.publish(topic, payload)),
    subscribe: (topic) => health.guard(() => bus.subscribe(topic)),
    close: () => bus.close(),
  };
}
