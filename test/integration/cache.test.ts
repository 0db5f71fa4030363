import { randomBytes } from "node:crypto";
import { type Cache, openCache, topic } from "../../src/modules/cache";
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

  test("a lock is exclusive until released, and renews itself while held", async () => {
    const lease = await cache.locks.tryAcquire("app:one", 150);
    expect(lease).not.toBeNull();
    expect(await cache.locks.tryAcquire("app:one", 150)).toBeNull();
    await sleep(400);
    expect(await cache.locks.tryAcquire("app:one", 150)).toBeNull();
    await lease!.release();
    const next = await cache.locks.tryAcquire("app:one", 150);
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
