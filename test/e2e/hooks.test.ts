import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HookDispatcher, HookSender, appEventsTopic, verifyHookSignature } from "../../src/modules/controller";
import { DrainGuard, drainPolicyOf } from "../../src/modules/logger";
import type { DeisClient } from "../../src/sdk/client";
import { settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A hook receiver on 127.0.0.1: answers each request with the next status of `statuses` (the last one repeats). */
class Receiver {
  readonly requests: Received[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  private readonly server: Server;

  constructor(private readonly statuses: number[]) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(this.statuses[Math.min(this.requests.length - 1, this.statuses.length - 1)]).end();
        for (const waiter of this.waiters.filter((w) => this.requests.length >= w.count)) waiter.resolve();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/deis/hook?team=ops`;
  }

  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<Received[]> {
    if (this.requests.length >= count) return Promise.resolve(this.requests);
    return new Promise((resolve) => this.waiters.push({ count, resolve: () => resolve(this.requests) }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function expectSigned(request: Received, secret: string): void {
  const signature = String(request.headers["x-deis-signature"]);
  const timestamp = String(request.headers["x-deis-timestamp"]);
  expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
  expect(verifyHookSignature(secret, timestamp, request.body, signature)).toBe(true);
  // Signed with another secret, or another body, it does not verify.
  expect(verifyHookSignature(`${secret}x`, timestamp, request.body, signature)).toBe(false);
  expect(verifyHookSignature(secret, timestamp, `${request.body} `, signature)).toBe(false);
}

/**
 * Issue 14, deploy hooks: a receiver gets a signed POST when a release is deployed; a failing one is
 * retried with back-off and the attempts are listed; hooks toward loopback are refused unless the
 * operator allows them (here, the receivers on 127.0.0.1 are allowed by DEIS_DRAINS_ALLOW).
 */
describe("deploy hooks (postgres)", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  let bob: DeisClient;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    t = await startTestPlatform({ env: { DEIS_DRAINS_ALLOW: "127.0.0.1/32", DEIS_HOOK_RETRY_SECONDS: "1" } });
    ({ client: alice } = await t.signUp("alice"));
    ({ client: bob } = await t.signUp("bob"));
  });
  afterAll(async () => {
    await t.stop();
    for (const receiver of receivers) await receiver.close();
  });

  async function receiverFor(statuses: number[]): Promise<{ receiver: Receiver; url: string }> {
    const receiver = new Receiver(statuses);
    receivers.push(receiver);
    return { receiver, url: await receiver.listen() };
  }

  const deploy = (app: string) => alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });

  /** The first test's app, hook and receiver; the failed-release test goes on with them. */
  const first = { app: uniqueApp("hooked"), secret: "", receiver: null as Receiver | null };

  test("a receiver gets a correctly signed POST when a release is deployed", async () => {
    const { app } = first;
    await alice.sdk.CreateApp({ name: app });
    const { receiver, url } = await receiverFor([200]);
    const { addHook } = await alice.sdk.AddHook({ app, url });
    Object.assign(first, { secret: addHook.secret, receiver });
    expect(addHook.secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await alice.sdk.Hooks({ app })).hooks).toEqual([{ id: addHook.hook.id, url, createdAt: addHook.hook.createdAt }]);

    await deploy(app);
    expect((await settledRelease(alice, app, 2)).status).toBe("SUCCEEDED");
    const [request] = await receiver.received(1);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["x-deis-event"]).toBe("release.deployed");
    expectSigned(request, addHook.secret);
    const payload = JSON.parse(request.body) as Record<string, unknown>;
    expect(payload).toMatchObject({ app, release: "v2", version: 2, status: "deployed", user: "alice" });
    expect(payload.summary).toContain("alice");
    expect(Number.isNaN(Date.parse(String(payload.at)))).toBe(false);

    const deliveries = await eventually("the delivery to be marked delivered", async () => {
      const { hookDeliveries } = await alice.sdk.HookDeliveries({ app, hook: addHook.hook.id });
      return hookDeliveries[0]?.status === "DELIVERED" ? hookDeliveries : undefined;
    });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ event: "release.deployed", version: 2, nextAttemptAt: null });
    expect(deliveries[0].attempts.map((a) => [a.statusCode, a.error])).toEqual([[200, null]]);
    expect(deliveries[0].id).toBe(request.headers["x-deis-delivery"]);
  });

  test("a release that fails to deploy is delivered as release.failed, with why", async () => {
    const { app, receiver, secret } = first;
    await alice.sdk.SetHealthcheck({ app, healthcheck: { path: "/health", failureThreshold: 3, periodSeconds: 1, timeoutSeconds: 1 } });
    expect((await settledRelease(alice, app, 3)).status).toBe("SUCCEEDED");
    await alice.sdk.SetConfig({ app, values: [{ key: "HEALTH", value: "fail" }] });
    expect((await settledRelease(alice, app, 4)).status).toBe("FAILED");
    const requests = await receiver!.received(3);
    const failed = requests.find((r) => r.headers["x-deis-event"] === "release.failed")!;
    expectSigned(failed, secret);
    const payload = JSON.parse(failed.body) as Record<string, unknown>;
    expect(payload).toMatchObject({ app, release: "v4", version: 4, status: "failed", user: "alice" });
    expect(payload.reason).toMatch(/failed 3 healthchecks/);
    expect(requests.map((r) => `${r.headers["x-deis-event"]} ${(JSON.parse(r.body) as { release: string }).release}`).sort()).toEqual([
      "release.deployed v2",
      "release.deployed v3",
      "release.failed v4",
    ]);
  });

  test("a failing receiver (500 twice, then 200) is retried with the same signed body, and the attempts are listed", async () => {
    const app = uniqueApp("retried");
    await alice.sdk.CreateApp({ name: app });
    const { receiver, url } = await receiverFor([500, 500, 200]);
    const { addHook } = await alice.sdk.AddHook({ app, url });
    await deploy(app);
    const requests = await receiver.received(3);
    for (const request of requests) expectSigned(request, addHook.secret);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(requests.map((r) => r.headers["x-deis-delivery"])).size).toBe(1);

    const [delivery] = await eventually("the third attempt to be recorded", async () => {
      const { hookDeliveries } = await alice.sdk.HookDeliveries({ app, hook: addHook.hook.id });
      return hookDeliveries[0]?.status === "DELIVERED" ? hookDeliveries : undefined;
    });
    expect(delivery.attempts.map((a) => [a.statusCode, a.error])).toEqual([
      [500, "the receiver answered 500"],
      [500, "the receiver answered 500"],
      [200, null],
    ]);
    // Back-off: each retry waited at least its delay (1 s, then 3 s with DEIS_HOOK_RETRY_SECONDS=1);
    // lower bounds only, which a slow machine cannot break.
    const at = delivery.attempts.map((a) => Date.parse(a.at));
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(1000);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(3000);
  });

  test("hooks are the app's collaborators' business: another user gets NOT_FOUND and changes nothing", async () => {
    const app = uniqueApp("private");
    await alice.sdk.CreateApp({ name: app });
    const { url } = await receiverFor([200]);
    const { addHook } = await alice.sdk.AddHook({ app, url });
    await expectApiError(bob.sdk.Hooks({ app }), "NOT_FOUND");
    await expectApiError(bob.sdk.AddHook({ app, url: `${url}&bob=1` }), "NOT_FOUND");
    await expectApiError(bob.sdk.RemoveHook({ app, hook: addHook.hook.id }), "NOT_FOUND");
    await expectApiError(bob.sdk.HookDeliveries({ app, hook: addHook.hook.id }), "NOT_FOUND");
    expect((await alice.sdk.Hooks({ app })).hooks.map((h) => h.id)).toEqual([addHook.hook.id]);
    expect(await alice.sdk.RemoveHook({ app, hook: addHook.hook.id })).toEqual({ removeHook: true });
    expect((await alice.sdk.Hooks({ app })).hooks).toEqual([]);
    await expectApiError(alice.sdk.RemoveHook({ app, hook: addHook.hook.id }), "NOT_FOUND");
  });

  test("adding and removing a hook tells the app's live views (SETTINGS_CHANGED); a refused one tells nothing", async () => {
    const app = uniqueApp("hook-events");
    await alice.sdk.CreateApp({ name: app });
    const iterator = alice.sdk.AppEvents({ app })[Symbol.asyncIterator]();
    const received = (async () => {
      const events: string[] = [];
      while (events.length < 2) {
        const next = await iterator.next();
        if (next.done) break;
        events.push(`${next.value.appEvents.type} ${next.value.appEvents.summary}`);
      }
      await iterator.return?.();
      return events;
    })();
    await eventually("the subscription to be live", async () => (t.subscribers(appEventsTopic(app)) === 1 ? true : undefined));
    const { url } = await receiverFor([200]);
    await expectApiError(alice.sdk.AddHook({ app, url: "ftp://127.0.0.1/x" }), "BAD_USER_INPUT", "url");
    const { addHook } = await alice.sdk.AddHook({ app, url });
    await alice.sdk.RemoveHook({ app, hook: addHook.hook.id });
    expect(await received).toEqual([`SETTINGS_CHANGED alice added deploy hook ${addHook.hook.id}`, `SETTINGS_CHANGED alice removed deploy hook ${addHook.hook.id}`]);
  });

  test("deliveries outlive their leader: the next one elected sends what was left pending and what ended while none led", async () => {
    const app = uniqueApp("durable");
    await alice.sdk.CreateApp({ name: app });
    const { receiver, url } = await receiverFor([200]);
    const { addHook } = await alice.sdk.AddHook({ app, url });
    // The leader stored a delivery and went away before sending it...
    await t.platform.hooks.stop();
    const body = JSON.stringify({ app, release: "v9", version: 9, status: "deployed", summary: "left behind", user: "alice", at: new Date().toISOString() });
    await t.platform.dataSource.query(
      `INSERT INTO hook_deliveries ("hookId", "event", "version", "body", "status", "nextAttemptAt") VALUES ($1, 'release.deployed', 9, $2, 'PENDING', now())`,
      [addHook.hook.id, body],
    );
    // ...and a release deployed while no process led.
    await deploy(app);
    expect((await settledRelease(alice, app, 2)).status).toBe("SUCCEEDED");
    expect(receiver.requests).toEqual([]);

    const { config, dataSource, cache, discovery, log } = t.platform;
    const next = new HookDispatcher(dataSource, cache.events, discovery, new HookSender(new DrainGuard(drainPolicyOf(config)), "deis-test"), {
      platformId: config.platformId,
      candidate: "the-next-leader",
      attempts: 5,
      retrySeconds: 1,
    }, log);
    next.start();
    try {
      const requests = await receiver.received(2);
      for (const request of requests) expectSigned(request, addHook.secret);
      expect(requests.map((r) => r.body)).toContain(body);
      const missed = requests.map((r) => JSON.parse(r.body) as Record<string, unknown>).find((p) => p.version === 2);
      expect(missed).toMatchObject({ app, release: "v2", status: "deployed", user: "alice" });
      await eventually("both deliveries marked delivered", async () => {
        const { hookDeliveries } = await alice.sdk.HookDeliveries({ app, hook: addHook.hook.id });
        return hookDeliveries.length === 2 && hookDeliveries.every((d) => d.status === "DELIVERED") ? true : undefined;
      });
    } finally {
      await next.stop();
    }
  });

  test("the audit trail records a hook's origin, never its path, query or secret", async () => {
    const app = uniqueApp("audhook");
    await alice.sdk.CreateApp({ name: app });
    const { url } = await receiverFor([200]);
    const { addHook } = await alice.sdk.AddHook({ app, url });
    const event = (await alice.sdk.Audit({ app })).audit.nodes.find((e) => e.operation === "addHook");
    expect(event?.summary).toBe(`addHook url=${new URL(url).origin}`);
    expect(JSON.stringify(await alice.sdk.Audit({ app }))).not.toContain(addHook.secret);
  });
});

describe("deploy hooks without the operator's allowance (embedded)", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  const app = uniqueApp("nohook");

  beforeAll(async () => {
    t = await startTestPlatform({ backend: "embedded" });
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
  });
  afterAll(() => t.stop());

  test.each([
    ["a hook to 127.0.0.1", "http://127.0.0.1:9/hook", "url: 127.0.0.1 resolves to 127.0.0.1, a loopback address; a hook may not reach it"],
    ["a hook to localhost", "http://localhost:9/hook", "url: localhost is a loopback name; a hook may not reach this host"],
    ["the cloud metadata address", "http://169.254.169.254/latest", "url: 169.254.169.254 resolves to 169.254.169.254, a link-local address; a hook may not reach it"],
    ["a private address", "https://10.1.2.3/hook", "url: 10.1.2.3 resolves to 10.1.2.3, a private address; a hook may not reach it"],
    ["a URL that is not http(s)", "ftp://hooks.example.com/x", "url: a hook is an http:// or https:// URL"],
    ["a URL with credentials", "https://user:pw@hooks.example.com/x", "url: must not carry a user or password; the hook's secret signs each delivery"],
    ["not a URL", "hooks", "url: a hook is an http:// or https:// URL"],
  ])("refuses %s as bad input naming url, and saves nothing", async (_what, url, message) => {
    const error = await expectApiError(alice.sdk.AddHook({ app, url }), "BAD_USER_INPUT", "url");
    expect(error.message).toBe(message);
    expect((await alice.sdk.Hooks({ app })).hooks).toEqual([]);
  });
});
