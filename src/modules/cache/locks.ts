import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { DomainError } from "../../core/errors";

/**
 * A held lock. It renews itself until released, so long work (a build) keeps it while this process
 * can reach the store; if renewals fail for a whole TTL the lock lapses and another holder may take
 * it (the holder is not told: keep TTLs longer than a store hiccup).
 */
export interface Lease {
  readonly key: string;
  release(): Promise<void>;
}

/** Mutual exclusion across the platform's processes, e.g. one deploy per app at a time. */
export interface LockStore {
  /** The lease, or null at once when someone else holds the lock. */
  tryAcquire(key: string, ttlMs?: number): Promise<Lease | null>;
  /** Waits up to `timeoutMs` for the lock; throws UNAVAILABLE after that. */
  acquire(key: string, timeoutMs: number, ttlMs?: number): Promise<Lease>;
}

const DEFAULT_TTL_MS = 30_000;

interface LockBackend {
  set(key: string, token: string, ttlMs: number): Promise<boolean>;
  renew(key: string, token: string, ttlMs: number): Promise<boolean>;
  remove(key: string, token: string): Promise<void>;
}

class BackendLockStore implements LockStore {
  constructor(private readonly backend: LockBackend) {}

  async tryAcquire(key: string, ttlMs = DEFAULT_TTL_MS): Promise<Lease | null> {
    const token = randomUUID();
    if (!(await this.backend.set(key, token, ttlMs))) return null;
    const timer = setInterval(() => {
      this.backend.renew(key, token, ttlMs).catch(() => undefined);
    }, Math.max(10, Math.floor(ttlMs / 3)));
    timer.unref();
    let released = false;
    return {
      key,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await this.backend.remove(key, token);
      },
    };
  }

  async acquire(key: string, timeoutMs: number, ttlMs = DEFAULT_TTL_MS): Promise<Lease> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lease = await this.tryAcquire(key, ttlMs);
      if (lease) return lease;
      if (Date.now() >= deadline) {
        throw new DomainError("UNAVAILABLE", `busy: "${key}" is held by other work; try again shortly`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The embedded twin: locks within this process. */
export function memoryLockStore(): LockStore {
  const held = new Map<string, { token: string; expires: number }>();
  const live = (key: string) => {
    const entry = held.get(key);
    if (entry && entry.expires <= Date.now()) held.delete(key);
    return held.get(key);
  };
  return new BackendLockStore({
    async set(key, token, ttlMs) {
      if (live(key)) return false;
      held.set(key, { token, expires: Date.now() + ttlMs });
      return true;
    },
    async renew(key, token, ttlMs) {
      const entry = live(key);
      if (entry?.token !== token) return false;
      entry.expires = Date.now() + ttlMs;
      return true;
    },
    async remove(key, token) {
      if (live(key)?.token === token) held.delete(key);
    },
  });
}

const RENEW_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** Locks in Redis: SET NX PX with a random token; renew and release only while the token matches. */
export function redisLockStore(redis: Redis, prefix: string): LockStore {
  const name = (key: string) => `${prefix}lock:${key}`;
  return new BackendLockStore({
    async set(key, token, ttlMs) {
      return (await redis.set(name(key), token, "PX", ttlMs, "NX")) === "OK";
    },
    async renew(key, token, ttlMs) {
      return (await redis.eval(RENEW_SCRIPT, 1, name(key), token, String(ttlMs))) === 1;
    },
    async remove(key, token) {
      await redis.eval(RELEASE_SCRIPT, 1, name(key), token);
    },
  });
}
