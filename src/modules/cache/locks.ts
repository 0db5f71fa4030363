import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { DomainError } from "../../core/errors";

/** The lock a lease stood for is no longer its holder's; the work it guarded must stop. */
export class LeaseLost extends DomainError {
  constructor(
    readonly key: string,
    why: string,
  ) {
    super("UNAVAILABLE", `the lock on "${key}" was lost (${why}); the work stopped before its next step, try again`);
    this.name = "LeaseLost";
  }
}

/**
 * A held lock, until `release`. In process it cannot lapse (its holder cannot crash without the
 * process). In Redis it renews itself; when a renewal fails or finds the lock gone or taken, `lost`
 * is aborted (its reason a LeaseLost) and renewals stop: the guarded work checks `assertHeld()`
 * (or `lost`) before each side effect, so a holder that lost the lock stops before the next one.
 */
export interface Lease {
  readonly key: string;
  /** Aborted, with a LeaseLost reason, once the lock may be someone else's. */
  readonly lost: AbortSignal;
  /** Throws LeaseLost when `lost`: the fencing check before a side effect. */
  assertHeld(): void;
  release(): Promise<void>;
}

/** Mutual exclusion across the platform's processes, e.g. one deploy per app at a time. */
export interface LockStore {
  /** The lease, or null at once when someone else holds the lock. `ttlMs` matters only across processes. */
  tryAcquire(key: string, ttlMs?: number): Promise<Lease | null>;
  /** Waits up to `timeoutMs` for the lock; throws UNAVAILABLE after that. */
  acquire(key: string, timeoutMs: number, ttlMs?: number): Promise<Lease>;
  /** Resolves when the store answers (work about to need a lock checks first); throws UNAVAILABLE otherwise. */
  ping(): Promise<void>;
}

const DEFAULT_TTL_MS = 30_000;
/** How often a waiting `acquire` asks Redis again (another process gives no signal when it releases). */
const RETRY_MS = 50;

function busy(key: string): DomainError {
  return new DomainError("UNAVAILABLE", `busy: "${key}" is held by other work; try again shortly`);
}

function lease(key: string, lost: AbortSignal, release: () => Promise<void>): Lease {
  let released = false;
  return {
    key,
    lost,
    assertHeld: () => lost.throwIfAborted(),
    release: async () => {
      if (released) return;
      released = true;
      await release();
    },
  };
}

/**
 * The embedded twin: locks within this process, held until released (no TTL, no timer that a busy
 * event loop could run late). Waiters are woken in order when the holder releases.
 */
export function memoryLockStore(): LockStore {
  const held = new Set<string>();
  const waiters = new Map<string, (() => void)[]>();
  const take = (key: string): Lease | null => {
    if (held.has(key)) return null;
    held.add(key);
    return lease(key, new AbortController().signal, async () => {
      held.delete(key);
      waiters.get(key)?.shift()?.();
    });
  };
  return {
    async tryAcquire(key) {
      return take(key);
    },
    async ping() {},
    acquire(key, timeoutMs) {
      const now = take(key);
      if (now) return Promise.resolve(now);
      return new Promise<Lease>((resolve, reject) => {
        const queue = waiters.get(key) ?? [];
        waiters.set(key, queue);
        const wake = () => {
          clearTimeout(timer);
          const got = take(key);
          if (got) resolve(got);
          else queue.unshift(wake); // taken meanwhile by a tryAcquire: stay first in line
        };
        const timer = setTimeout(() => {
          const at = queue.indexOf(wake);
          if (at >= 0) queue.splice(at, 1);
          reject(busy(key));
        }, timeoutMs);
        queue.push(wake);
      });
    },
  };
}

const RENEW_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * Locks in Redis: SET NX PX with a random token; renewed every third of the TTL and released only
 * while the token matches. A renewal that errs, or finds another token or none, ends the lease.
 */
export function redisLockStore(redis: Redis, prefix: string): LockStore {
  const name = (key: string) => `${prefix}lock:${key}`;
  const store: LockStore = {
    async tryAcquire(key, ttlMs = DEFAULT_TTL_MS) {
      const token = randomUUID();
      if ((await redis.set(name(key), token, "PX", ttlMs, "NX")) !== "OK") return null;
      const lost = new AbortController();
      const lose = (why: string) => {
        clearInterval(timer);
        if (!lost.signal.aborted) lost.abort(new LeaseLost(key, why));
      };
      const timer = setInterval(() => {
        redis.eval(RENEW_SCRIPT, 1, name(key), token, String(ttlMs)).then(
          (renewed) => {
            if (renewed !== 1 && !done) lose("it expired or another holder took it");
          },
          (error: unknown) => {
            if (!done) lose(`renewing it failed: ${(error as Error).message}`);
          },
        );
      }, Math.max(10, Math.floor(ttlMs / 3)));
      timer.unref();
      let done = false;
      return lease(key, lost.signal, async () => {
        done = true;
        clearInterval(timer);
        await redis.eval(RELEASE_SCRIPT, 1, name(key), token);
      });
    },
    async ping() {
      await redis.ping();
    },
    async acquire(key, timeoutMs, ttlMs = DEFAULT_TTL_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = await store.tryAcquire(key, ttlMs);
        if (got) return got;
        if (Date.now() >= deadline) throw busy(key);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    },
  };
  return store;
}
