import type { Redis } from "ioredis";

/**
 * Bounded lists shared by every process, e.g. an app's recent log lines: appends keep only the
 * newest `max` items. Redis when configured (RPUSH + LTRIM in one round trip), in process otherwise.
 */
export interface ListStore {
  append(key: string, items: readonly string[], max: number): Promise<void>;
  /** The newest `count` items, oldest first. */
  tail(key: string, count: number): Promise<string[]>;
  delete(key: string): Promise<void>;
}

export function memoryListStore(): ListStore {
  const lists = new Map<string, string[]>();
  return {
    async append(key, items, max) {
      const list = lists.get(key) ?? [];
      list.push(...items);
      if (list.length > max) list.splice(0, list.length - max);
      lists.set(key, list);
    },
    async tail(key, count) {
      return count > 0 ? (lists.get(key) ?? []).slice(-count) : [];
    },
    async delete(key) {
      lists.delete(key);
    },
  };
}

export function redisListStore(redis: Redis, prefix: string): ListStore {
  const name = (key: string) => `${prefix}list:${key}`;
  return {
    async append(key, items, max) {
      if (items.length === 0) return;
      await redis.multi().rpush(name(key), ...items).ltrim(name(key), -max, -1).exec();
    },
    async tail(key, count) {
      return count > 0 ? redis.lrange(name(key), -count, -1) : [];
    },
    async delete(key) {
      await redis.del(name(key));
    },
  };
}
