import type { Redis as RedisClient } from "ioredis";
import { type CounterStore, memoryCounterStore, redisCounterStore } from "./counters";
import type { EventBus } from "./event-bus";
import { type ListStore, memoryListStore, redisListStore } from "./lists";
import { type LockStore, memoryLockStore, redisLockStore } from "./locks";
import { MemoryEventBus } from "./memory-event-bus";
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
  close(): Promise<void>;
}

export interface CacheOptions {
  /** redis:// URL; in-process when absent. */
  readonly url?: string;
  /** Prefix of every key and channel, so several platforms (or test files) can share one Redis. */
  readonly prefix?: string;
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
      close: () => events.close(),
    };
  }
  // The Redis clients (about 20 MB) are loaded only when Redis is used.
  const { Redis } = require("ioredis") as { Redis: typeof RedisClient };
  const { RedisEventBus } = require("./redis-event-bus") as typeof RedisEventBusModule;
  const url = options.url;
  const prefix = options.prefix ?? "deis:";
  const connect = () => new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
  const client = connect();
  await client.ping();
  const events = new RedisEventBus(connect, prefix);
  return {
    events,
    locks: redisLockStore(client, prefix),
    counters: redisCounterStore(client, prefix),
    lists: redisListStore(client, prefix),
    backend: "redis",
    async close() {
      await events.close();
      await client.quit();
    },
  };
}
