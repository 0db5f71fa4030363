import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { type Cache, type Lease, LeaseLost, openCache, topic } from "../../src/modules/cache";
import { testEnv } from "../harness/env";

const backends: [string, () => Promise<Cache>][] = [
  ["memory", () => openCache({})],
  ["redis", () => openCache({ url: testEnv.redisUrl, prefix: `cache-test:${randomBytes(4).toString("hex")}:` })],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backends)("cache on %s", (_name, open) => {
  let cache: Cache;
  beforeAll(async () => {
    cache = await open();
  });
  afterAll(() => cache.close());

  test("a subscriber gets every event published after subscribe resolved, in order, as JSON", async () => {
    const news = topic<{ n: number; at: string }>("news");
    const events = await cache.events.subscribe(news);
    for (let n = 0; n < 50; n++) await cache.events.publish(news, { n, at: new Date(0).toISOString() });
    const received: number[] = [];
    for await (const event of events) {
      received.push(event.n);
      expect(event.at).toBe("1970-01-01T00:00:00.000Z");
      if (received.length === 50) break;
    }
    expect(received).toEqual([...Array(50).keys()]);
    // Leaving the loop ended the subscription: later events reach nobody, and it stays ended.
    await cache.events.publish(news, { n: 50, at: new Date(0).toISOString() });
    await expect(events.next()).resolves.toEqual({ value: undefined, done: true });
  });

  test("return() ends a subscription at once, even while it waits for an event", async () => {
    const quiet = topic<string>("quiet");
    const events = await cache.events.subscribe(quiet);
    const pending = events.next();
    await events.return?.();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    await cache.events.publish(quiet, "after the end");
    await expect(events.next()).resolves.toEqual({ value: undefined, done: true });
  });

  test("a lock is exclusive until released", async () => {
    const lease = await cache.locks.tryAcquire("app:one");
    expect(lease).not.toBeNull();
    expect(await cache.locks.tryAcquire("app:one")).toBeNull();
    lease!.assertHeld();
    await lease!.release();
    const next = await cache.locks.tryAcquire("app:one");
    expect(next).not.toBeNull();
    await next!.release();
  });

  test("acquire waits for the holder, and gives up with UNAVAILABLE after its timeout", async () => {
    const held = (await cache.locks.tryAcquire("app:two"))!;
    setTimeout(() => void held.release(), 200);
    const waited = await cache.locks.acquire("app:two", 5_000);
    await expect(cache.locks.acquire("app:two", 100)).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await waited.release();
  });

  test("counters count within a window and start again after it", async () => {
    expect(await cache.counters.increment("tries", 1)).toBe(1);
    expect(await cache.counters.increment("tries", 1)).toBe(2);
    expect(await cache.counters.current("tries")).toBe(2);
    await sleep(1_100);
    expect(await cache.counters.current("tries")).toBe(0);
    await cache.counters.increment("tries", 10);
    await cache.counters.reset("tries");
    expect(await cache.counters.current("tries")).toBe(0);
  });
});

describe("in-process locks", () => {
  test("never lapse while held: no TTL, however late the event loop runs", async () => {
    const cache = await openCache({});
    const lease = (await cache.locks.tryAcquire("app:busy", 20))!;
    // Block the event loop far past the TTL, as a busy machine would; a timer-based lease would lapse here.
    const until = Date.now() + 200;
    while (Date.now() < until);
    await sleep(100);
    expect(await cache.locks.tryAcquire("app:busy", 20)).toBeNull();
    expect(lease.lost.aborted).toBe(false);
    lease.assertHeld();
    await lease.release();
    await cache.close();
  });

  test("waiters get the lock in turn as each holder releases it, without polling", async () => {
    const cache = await openCache({});
    const first = (await cache.locks.tryAcquire("app:queue"))!;
    const order: string[] = [];
    const second = cache.locks.acquire("app:queue", 60_000).then((lease) => (order.push("second"), lease));
    const third = cache.locks.acquire("app:queue", 60_000).then((lease) => (order.push("third"), lease));
    await first.release();
    const secondLease = await second;
    expect(order).toEqual(["second"]);
    expect(await cache.locks.tryAcquire("app:queue")).toBeNull();
    await secondLease.release();
    await (await third).release();
    expect(order).toEqual(["second", "third"]);
    await cache.close();
  });
});

describe("Redis locks", () => {
  const prefix = `locks-test:${randomBytes(4).toString("hex")}:`;
  let cache: Cache;
  let raw: Redis;
  beforeAll(async () => {
    cache = await openCache({ url: testEnv.redisUrl, prefix });
    raw = new Redis(testEnv.redisUrl);
  });
  afterAll(async () => {
    await cache.close();
    await raw.quit();
  });

  const lost = (lease: Lease) =>
    new Promise<unknown>((resolve) => {
      if (lease.lost.aborted) resolve(lease.lost.reason);
      lease.lost.addEventListener("abort", () => resolve(lease.lost.reason), { once: true });
    });

  test("a held lock renews itself in Redis and stays exclusive", async () => {
    const lease = (await cache.locks.tryAcquire("app:renewed", 600))!;
    const key = `${prefix}lock:app:renewed`;
    // Renewed means its expiry moved later: wait for two renewals (events in Redis, not a clock).
    let last = await raw.pttl(key);
    for (let renewals = 0; renewals < 2; ) {
      await sleep(20);
      const now = await raw.pttl(key);
      if (now > last) renewals++;
      last = now;
    }
    expect(await cache.locks.tryAcquire("app:renewed", 600)).toBeNull();
    expect(lease.lost.aborted).toBe(false);
    await lease.release();
    expect(await raw.exists(key)).toBe(0);
  });

  test("a lease taken by someone else is lost: assertHeld throws and release leaves the new holder alone", async () => {
    const lease = (await cache.locks.tryAcquire("app:stolen", 300))!;
    const key = `${prefix}lock:app:stolen`;
    await raw.set(key, "another-holder", "PX", 60_000);
    const reason = await lost(lease);
    expect(reason).toBeInstanceOf(LeaseLost);
    expect(() => lease.assertHeld()).toThrow(LeaseLost);
    expect(() => lease.assertHeld()).toThrow(/lock on "app:stolen" was lost/);
    await lease.release();
    expect(await raw.get(key)).toBe("another-holder");
    await raw.del(key);
  });

  test("a lease whose renewal fails (Redis unreachable) is lost", async () => {
    const own = await openCache({ url: testEnv.redisUrl, prefix });
    const lease = (await own.locks.tryAcquire("app:cut-off", 300))!;
    await own.close(); // the holder's connection is gone: its next renewal fails
    const reason = await lost(lease);
    expect(reason).toBeInstanceOf(LeaseLost);
    expect((reason as Error).message).toMatch(/renewing it failed/);
    await raw.del(`${prefix}lock:app:cut-off`);
  });
});

describe("cache shared by two processes through Redis", () => {
  let a: Cache;
  let b: Cache;
  beforeAll(async () => {
    const prefix = `shared:${randomBytes(4).toString("hex")}:`;
    a = await openCache({ url: testEnv.redisUrl, prefix });
    b = await openCache({ url: testEnv.redisUrl, prefix });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  test("events published by one reach subscribers of the other", async () => {
    const shared = topic<string>("shared");
    const events = await b.events.subscribe(shared);
    await a.events.publish(shared, "hello");
    await expect(events.next()).resolves.toEqual({ value: "hello", done: false });
    await events.return?.();
  });

  test("a lock held by one excludes the other; counters are shared", async () => {
    const lease = (await a.locks.tryAcquire("deploy:x"))!;
    expect(await b.locks.tryAcquire("deploy:x")).toBeNull();
    await lease.release();
    (await b.locks.tryAcquire("deploy:x"))!.release();
    await a.counters.increment("logins", 60);
    expect(await b.counters.increment("logins", 60)).toBe(2);
  });

  test("different prefixes do not see each other", async () => {
    const other = await openCache({ url: testEnv.redisUrl, prefix: "other-platform:" });
    try {
      const lease = (await a.locks.tryAcquire("deploy:y"))!;
      const theirs = await other.locks.tryAcquire("deploy:y");
      expect(theirs).not.toBeNull();
      await theirs!.release();
      await lease.release();
    } finally {
      await other.close();
    }
  });
});
