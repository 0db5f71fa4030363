import type { Redis } from "ioredis";

/** Counts events in a fixed window, e.g. failed logins per user; shared by every process. */
export interface CounterStore {
  /** Adds one and returns the count in the current window (the window starts at the first hit). */
  increment(key: string, windowSeconds: number): Promise<number>;
  current(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export function memoryCounterStore(): CounterStore {
  const counts = new Map<string, { count: number; expires: number }>();
  const live = (key: string) => {
    const entry = counts.get(key);
    if (entry && entry.expires <= Date.now()) counts.delete(key);
    return counts.get(key);
  };
  return {
    async increment(key, windowSeconds) {
      // Forget windows that are over, so many one-off keys (random usernames) do not pile up.
      if (counts.size > 10_000) for (const name of [...counts.keys()]) live(name);
      const entry = live(key) ?? { count: 0, expires: Date.now() + windowSeconds * 1000 };
      entry.count += 1;
      counts.set(key, entry);
      return entry.count;
    },
    async current(key) {
      return live(key)?.count ?? 0;
    },
    async reset(key) {
      counts.delete(key);
    },
  };
}

export function redisCounterStore(redis: Redis, prefix: string): CounterStore {
  const name = (key: string) => `${prefix}count:${key}`;
  return {
    async increment(key, windowSeconds) {
      const result = await redis.multi().set(name(key), 0, "EX", windowSeconds, "NX").incr(name(key)).exec();
      return Number(result?.[1]?.[1] ?? 0);
    },
    async current(key) {
      return Number((await redis.get(name(key))) ?? 0);
    },
    async reset(key) {
      await redis.del(name(key));
    },
  };
}
