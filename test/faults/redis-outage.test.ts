import { join } from "node:path";
import type { Lease } from "../../src/modules/cache";
import { settledRelease, uniqueApp } from "../harness/apps";
import { startRedis } from "../harness/components";
import { ECHO_IMAGE } from "../harness/docker";
import { testEnv } from "../harness/env";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { stopPid } from "../harness/processes";
import { eventually } from "../harness/wait";
import type { DeisClient } from "../../src/sdk/client";
import { type CliUser, registeredUser } from "../cli/cli-harness";
import { answerOf, describeOutage, healthz } from "./outage";

/**
 * Redis paused (SIGSTOP: connections stay open and nothing answers, the hardest case for timeouts)
 * and killed (connections refused): requests that need the cache answer SERVICE_UNAVAILABLE naming
 * it, in bounded time; requests that do not need it work; a release accepted before the outage is
 * deployed once Redis is back. The harness's shared Redis is not touched: this file runs its own.
 */
describe("Redis unreachable", () => {
  const app = uniqueApp("redis-outage");
  const timings: string[] = [];
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let t: TestPlatform;
  let alice: DeisClient;
  let operator: CliUser;
  let paused = false;

  beforeAll(async () => {
    redis = await startRedis(join(testEnv.root, `redis-outage-${app}`));
    t = await startTestPlatform({ env: { REDIS_URL: redis.url, DEIS_COMPONENT_TIMEOUT_MS: "1500" } });
    ({ client: alice } = await t.signUp("alice"));
    operator = await registeredUser(t.url, "bob");
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    expect(await settledRelease(alice, app, 2)).toMatchObject({ status: "SUCCEEDED" });
  });

  afterAll(async () => {
    if (paused) stopPid(redis?.pid, "SIGCONT");
    await t?.stop();
    await redis?.stop();
    if (process.env.DEIS_TEST_TIMINGS === "1") console.info(`Redis outage answers:\n${timings.join("\n")}`);
  });

  test("paused: cache work answers SERVICE_UNAVAILABLE, app queries work, a release left PENDING deploys once it is back", async () => {
    // Hold the app's deploy lock, so the release made next is accepted and waits (PENDING) for it.
    const lock: Lease | null = await t.platform.cache.locks.tryAcquire(`deploy:${app}`, 120_000);
    expect(lock).not.toBeNull();
    const { setConfig: accepted } = await alice.sdk.SetConfig({ app, values: [{ key: "BEFORE", value: "1" }] });
    expect(accepted).toMatchObject({ version: 3, status: "PENDING" });

    stopPid(redis.pid, "SIGSTOP");
    paused = true;

    const set = await answerOf(alice.sdk.SetConfig({ app, values: [{ key: "DURING", value: "1" }] }));
    timings.push(`  paused, setConfig: ${set.elapsedMs} ms`);
    expect(describeOutage(set)).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "cache", message: expect.stringMatching(/cache \(Redis\)/) });

    const scale = await answerOf(alice.sdk.Scale({ app, processes: [{ type: "web", count: 2 }] }));
    timings.push(`  paused, scale: ${scale.elapsedMs} ms`);
    expect(describeOutage(scale)).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "cache" });

    const logs = await answerOf(alice.sdk.Logs({ app, lines: 10 }));
    timings.push(`  paused, logs: ${logs.elapsedMs} ms`);
    expect(describeOutage(logs)).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "cache" });

    // What needs only the database works.
    const apps = await answerOf(alice.sdk.Apps({}));
    timings.push(`  paused, apps: ${apps.elapsedMs} ms`);
    expect(apps.error).toBeNull();
    const { releases } = await alice.sdk.Releases({ app });
    expect(releases.nodes.map((r) => [r.version, r.status])).toEqual([
      [3, "PENDING"],
      [2, "SUCCEEDED"],
      [1, "SUCCEEDED"],
    ]);
    const { config } = await alice.sdk.Config({ app });
    expect(config.values.map((v) => v.key)).not.toContain("DURING");
    expect((await alice.sdk.App({ name: app })).app.structure).toEqual([{ type: "web", count: 1 }]);

    const health = await healthz(t.url);
    expect(health).toMatchObject({ status: 503, body: { status: "unavailable", components: { database: "ok", cache: expect.stringMatching(/^down: /) } } });
    const { platform } = await alice.sdk.PlatformStatus();
    expect(platform.components.find((c) => c.name === "cache")).toMatchObject({ backend: "redis", healthy: false });
    expect(platform.components.find((c) => c.name === "database")).toMatchObject({ healthy: true });
    const status = await operator.run(["platform:status", "--json"]);
    expect(status.code).toBe(1);
    expect(status.json<{ components: { name: string; healthy: boolean }[] }>().components).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "cache", healthy: false }), expect.objectContaining({ name: "database", healthy: true })]),
    );

    stopPid(redis.pid, "SIGCONT");
    paused = false;
    await lock!.release();

    // The release accepted before the outage is deployed (the reconciler passes again when Redis answers).
    expect(await settledRelease(alice, app, 3)).toMatchObject({ status: "SUCCEEDED" });
    const { setConfig: after } = await alice.sdk.SetConfig({ app, values: [{ key: "AFTER", value: "1" }] });
    expect(after.version).toBe(4);
    expect(await settledRelease(alice, app, 4)).toMatchObject({ status: "SUCCEEDED" });
    expect((await healthz(t.url)).status).toBe(200);
    const healthy = await operator.ok(["platform:status"]);
    expect(healthy.stdout).toMatch(/cache\s+redis\s+ok/);
  });

  test("killed: answers SERVICE_UNAVAILABLE at once, and the platform recovers without a restart when it starts again", async () => {
    await redis.stop();
    await eventually("the platform to see Redis gone", async () => ((await healthz(t.url)).status === 503 ? true : undefined));

    const set = await answerOf(alice.sdk.SetConfig({ app, values: [{ key: "DURING", value: "2" }] }));
    timings.push(`  killed, setConfig: ${set.elapsedMs} ms`);
    expect(describeOutage(set)).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "cache" });
    const logs = await answerOf(alice.sdk.Logs({ app, lines: 10 }));
    timings.push(`  killed, logs: ${logs.elapsedMs} ms`);
    expect(describeOutage(logs)).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "cache" });
    const apps = await answerOf(alice.sdk.App({ name: app }));
    timings.push(`  killed, app: ${apps.elapsedMs} ms`);
    expect(apps.error).toBeNull();

    redis = await startRedis(join(testEnv.root, `redis-outage-${app}`), redis.port);
    await eventually("the platform to see Redis back", async () => ((await healthz(t.url)).status === 200 ? true : undefined));
    const { setConfig } = await alice.sdk.SetConfig({ app, values: [{ key: "RESTARTED", value: "1" }] });
    expect(setConfig.version).toBe(5);
    expect(await settledRelease(alice, app, 5)).toMatchObject({ status: "SUCCEEDED" });
  });
});
