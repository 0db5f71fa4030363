import { join } from "node:path";
import { Client } from "pg";
import { uniqueApp } from "../harness/apps";
import { startPostgres } from "../harness/components";
import { testEnv } from "../harness/env";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { stopPid } from "../harness/processes";
import { eventually } from "../harness/wait";
import type { DeisClient } from "../../src/sdk/client";
import { answerOf, describeOutage, healthz } from "./outage";

/**
 * PostgreSQL stopped (immediate shutdown: every connection dropped, new ones refused), or paused with
 * SIGSTOP (connections open, nothing answers: told from a slow statement by a probe), while a
 * controller runs on it: requests answer SERVICE_UNAVAILABLE naming the database, quickly;
 * /healthz names it; once PostgreSQL is back the same controller serves again, no restart.
 * The harness's shared PostgreSQL is not touched: this file runs its own.
 */
describe("PostgreSQL unreachable", () => {
  const app = uniqueApp("pg-outage");
  const timings: string[] = [];
  let postgres: Awaited<ReturnType<typeof startPostgres>>;
  let t: TestPlatform;
  let alice: DeisClient;
  let running = false;
  let paused: number[] = [];

  beforeAll(async () => {
    postgres = await startPostgres(join(testEnv.root, `pg-outage-${app}`));
    running = true;
    // A statement bound shorter than the default, so the paused case below answers in bounded time here too.
    t = await startTestPlatform({ databaseUrl: postgres.url, env: { DEIS_COMPONENT_TIMEOUT_MS: "1500" } });
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
  });

  afterAll(async () => {
    for (const pid of paused) stopPid(pid, "SIGCONT");
    if (!running) await postgres?.start();
    await t?.stop();
    await postgres?.stop();
    if (process.env.DEIS_TEST_TIMINGS === "1") console.info(`PostgreSQL outage answers:\n${timings.join("\n")}`);
  });

  test("requests answer SERVICE_UNAVAILABLE naming the database, and work again once it is back", async () => {
    // The harness runs PostgreSQL with synchronous_commit off: flush what was committed before the
    // immediate (crash-like) stop, so the restart finds it.
    const admin = new Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query("CHECKPOINT");
    await admin.end();
    await postgres.stop();
    running = false;

    const apps = await answerOf(alice.sdk.Apps({}));
    timings.push(`  stopped, apps: ${apps.elapsedMs} ms`);
    expect(describeOutage(apps)).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      component: "database",
      message: expect.stringMatching(/database \(PostgreSQL\)/),
    });
    const set = await answerOf(alice.sdk.SetConfig({ app, values: [{ key: "DURING", value: "1" }] }));
    timings.push(`  stopped, setConfig: ${set.elapsedMs} ms`);
    expect(describeOutage(set)).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "database" });
    // No token at all: the login itself needs the database.
    const login = await answerOf(t.client().sdk.Login({ username: "alice", password: "correct-horse-battery" }));
    timings.push(`  stopped, login: ${login.elapsedMs} ms`);
    expect(describeOutage(login)).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "database" });

    const health = await healthz(t.url);
    expect(health).toMatchObject({ status: 503, body: { status: "unavailable", components: { database: expect.stringMatching(/^down: /), cache: "ok" } } });
    const { platform } = await t.client().sdk.PlatformStatus();
    expect(platform.components.find((c) => c.name === "database")).toMatchObject({ backend: "postgresql", healthy: false });

    await postgres.start();
    running = true;
    // The same controller, not restarted: its pool connects again on the next request.
    await eventually("the API to answer from the database again", async () => {
      const answer = await answerOf(alice.sdk.Apps({}));
      if (answer.error) throw answer.error;
      return true;
    });
    expect((await healthz(t.url)).status).toBe(200);
    const { setConfig } = await alice.sdk.SetConfig({ app, values: [{ key: "AFTER", value: "1" }] });
    expect(setConfig.version).toBe(2);
    const { config } = await alice.sdk.Config({ app });
    expect(config.values.map((v) => v.key)).toEqual(["AFTER"]);
  });

  test("paused (connections open, nothing answers): SERVICE_UNAVAILABLE naming the database within the bounds, and it works again once resumed", async () => {
    paused = postgres.pids();
    for (const pid of paused) stopPid(pid, "SIGSTOP");

    const apps = await answerOf(alice.sdk.Apps({}), 10_000);
    timings.push(`  paused, apps: ${apps.elapsedMs} ms`);
    expect(describeOutage(apps)).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "database" });
    const set = await answerOf(alice.sdk.SetConfig({ app, values: [{ key: "PAUSED", value: "1" }] }), 10_000);
    timings.push(`  paused, setConfig: ${set.elapsedMs} ms`);
    expect(describeOutage(set)).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "database" });
    expect(await healthz(t.url)).toMatchObject({ status: 503, body: { components: { database: expect.stringMatching(/^down: /), cache: "ok" } } });

    for (const pid of paused) stopPid(pid, "SIGCONT");
    paused = [];
    await eventually("the API to answer from the database again", async () => {
      const answer = await answerOf(alice.sdk.Apps({}));
      if (answer.error) throw answer.error;
      return true;
    });
    const { setConfig } = await alice.sdk.SetConfig({ app, values: [{ key: "RESUMED", value: "1" }] });
    expect(setConfig.version).toBe(3);
    const { config } = await alice.sdk.Config({ app });
    expect(config.values.map((v) => v.key).sort()).toEqual(["AFTER", "RESUMED"]);
  });
});
