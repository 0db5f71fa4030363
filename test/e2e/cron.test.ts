import type { DeisClient } from "../../src/sdk/client";
import { settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";
import { registeredUser } from "../cli/cli-harness";

/**
 * Scheduled jobs with the real components. The scheduler ticks every 2 s here (DEIS_CRON_TICK_SECONDS),
 * so a `* * * * *` job runs at every tick; the tests wait for its lines in the app's log.
 */
describe("cron", () => {
  const env = { DEIS_CRON_TICK_SECONDS: "2" };
  let t: TestPlatform;
  let token: string;
  let alice: DeisClient;
  const app = uniqueApp("cron");

  const lines = async (client: DeisClient, name = app) => (await client.sdk.Logs({ app: name, lines: 1000 })).logs;
  /** Waits until the job has `count` lines matching `pattern` in the app's log; returns them. */
  const jobLines = (client: DeisClient, id: string, pattern: RegExp, count = 1, name = app) =>
    eventually(`${count} cron.${id} line(s) matching ${pattern}`, async () => {
      const found = (await lines(client, name)).filter((l) => l.source === `cron.${id}` && pattern.test(l.message));
      return found.length >= count ? found : undefined;
    });
  /** The tick each "run of <tick> started" line names. */
  const startedTicks = (found: { message: string }[]) => found.map((l) => /^run of (\S+) started/.exec(l.message)![1]);

  beforeAll(async () => {
    t = await startTestPlatform({ env });
    ({ client: alice, token } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    expect((await settledRelease(alice, app, 2)).status).toBe("SUCCEEDED");
  });
  afterAll(() => t.stop());

  test("a job runs as a one-off of the current release, its output in the app's log as cron.<id>", async () => {
    const { addCronJob: job } = await alice.sdk.AddCronJob({ app, schedule: "* * * * *", command: "echo hello from $DEIS_APP $DEIS_RELEASE" });
    expect(job).toMatchObject({ schedule: "* * * * *", lastRunAt: null });
    expect(job.id).toMatch(/^[0-9a-f]{8}$/);
    await jobLines(alice, job.id, new RegExp(`^hello from ${app} v2$`));
    await jobLines(alice, job.id, /^run of \S+ exited with code 0$/);
    const [listed] = (await alice.sdk.CronJobs({ app })).cronJobs;
    expect(listed).toMatchObject({ id: job.id, command: "echo hello from $DEIS_APP $DEIS_RELEASE" });
    expect(listed.lastRunAt).not.toBeNull();
    expect(listed.nextRunAt).not.toBeNull();
    expect(await alice.sdk.RemoveCronJob({ app, id: job.id })).toEqual({ removeCronJob: true });
    expect((await alice.sdk.CronJobs({ app })).cronJobs).toEqual([]);
    expect((await lines(alice)).some((l) => l.source === "deis[api]" && l.message === `alice removed cron job ${job.id}`)).toBe(true);
  });

  test("a run that would overlap the previous one is skipped, and the skip is in the app's log", async () => {
    const { addCronJob: job } = await alice.sdk.AddCronJob({ app, schedule: "* * * * *", command: "sleep 600" });
    const [started] = await jobLines(alice, job.id, /^run of \S+ started: sleep 600$/);
    const [skipped] = await jobLines(alice, job.id, /^skipped the run of \S+: the run of \S+ is still going$/);
    expect(skipped.message).toContain(`the run of ${startedTicks([started])[0]} is still going`);
    await alice.sdk.RemoveCronJob({ app, id: job.id });
    // End the long run: its container goes, and the run ends with the exit the engine reports.
    const engine = t.platform.runtime.engine;
    // (On a busy machine the container may come after the skip: the skip needs only the run to have begun.)
    const runs = await eventually("the run's container", async () => {
      const found = await engine.listContainers([`deis.platform=${t.platform.config.platformId}`, `deis.app=${app}`, "deis.type=run"]);
      return found.some((c) => c.state === "running") ? found : undefined;
    });
    for (const c of runs) await engine.removeContainer(c.id);
    await jobLines(alice, job.id, /^run of \S+ exited with code \d+$/);
    expect((await lines(alice)).filter((l) => l.source === `cron.${job.id}` && /started/.test(l.message))).toHaveLength(1);
  });

  test("bad schedules and empty commands are refused naming the field and the rule, and add nothing", async () => {
    const refusals: [string, string, string, RegExp][] = [
      ["61 * * * *", "true", "schedule", /minute field: 61 is outside 0-59/],
      ["* * *", "true", "schedule", /five fields: minute hour day-of-month month day-of-week.*got 3 fields/],
      ["* * * * MON-FUN", "true", "schedule", /day-of-week field: "FUN" is not a number or a name/],
      ["*/0 * * * *", "true", "schedule", /step .* must be a whole number of 1 or more/],
      ["", "true", "schedule", /must not be empty/],
      ["@reboot", "true", "schedule", /@reboot is not supported/],
      ["* * * * *", "   ", "command", /must not be empty/],
    ];
    for (const [schedule, command, field, rule] of refusals) {
      const error = await expectApiError(alice.sdk.AddCronJob({ app, schedule, command }), "BAD_USER_INPUT", field);
      expect(error.message).toMatch(rule);
    }
    await expectApiError(alice.sdk.RemoveCronJob({ app, id: "ffffffff" }), "NOT_FOUND");
    expect((await alice.sdk.CronJobs({ app })).cronJobs).toEqual([]);
  });

  test("a job of an app with nothing deployed says so; jobs are removed with their app", async () => {
    const bare = uniqueApp("cron-bare");
    await alice.sdk.CreateApp({ name: bare });
    const { addCronJob: job } = await alice.sdk.AddCronJob({ app: bare, schedule: "* * * * *", command: "true" });
    await jobLines(alice, job.id, new RegExp(`^run of \\S+ skipped: ${bare} has nothing deployed yet$`), 1, bare);
    await alice.sdk.DestroyApp({ name: bare });
    expect(await t.platform.dataSource.query(`SELECT id FROM cron_jobs WHERE id = $1`, [job.id])).toEqual([]);
  });

  test("the CLI: cron:add, cron (--json), cron:remove, volumes:add, volumes, volumes:remove and their refusals", async () => {
    const carol = await registeredUser(t.url, "carol");
    const own = uniqueApp("cron-cli");
    await carol.ok(["create", own, "--no-remote"]);
    const added = await carol.ok(["cron:add", "0 3 * * MON", "node jobs/cleanup.js", "-a", own, "--json"]);
    const { id } = added.json<{ id: string }>();
    expect(added.json()).toMatchObject({ schedule: "0 3 * * MON", command: "node jobs/cleanup.js", lastRunAt: null });
    expect((await carol.ok(["cron", "-a", own])).stdout).toMatch(new RegExp(`^=== ${own} Cron\\n.*\\n${id} +0 3 \\* \\* MON +node jobs/cleanup\\.js +never +\\S+`));
    expect((await carol.ok(["cron", "-a", own, "--json"])).json()).toEqual([expect.objectContaining({ id, schedule: "0 3 * * MON" })]);
    const bad = await carol.run(["cron:add", "0 25 * * *", "true", "-a", own]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("schedule: hour field: 25 is outside 0-23");
    expect((await carol.ok(["cron:remove", id, "-a", own])).stdout).toBe(`Removed cron job ${id} from ${own}\n`);

    expect((await carol.ok(["volumes:add", "data", "/data", "-a", own])).stdout).toBe(`${own} v2: carol added volume data at /data\n`);
    expect((await carol.ok(["volumes", "-a", own, "--json"])).json()).toEqual([expect.objectContaining({ name: "data", path: "/data", node: null })]);
    const refused = await carol.run(["volumes:add", "root", "/", "-a", own]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("path: must not be /");
    expect((await carol.ok(["volumes:remove", "data", "-a", own])).stdout).toBe(`${own} v3: carol removed volume data\n`);
    await carol.ok(["apps:destroy", own, "--confirm", own]);
  });

  test("with two controllers each tick runs once; the job survives both stopping and a new one starting", async () => {
    const second = await startTestPlatform({ sharing: t, env });
    let third: TestPlatform | null = null;
    try {
      const { addCronJob: job } = await alice.sdk.AddCronJob({ app, schedule: "* * * * *", command: "echo once" });
      const before = await jobLines(alice, job.id, /^run of \S+ started: echo once$/, 3);
      const ticks = startedTicks(before);
      expect(new Set(ticks).size).toBe(ticks.length);

      await t.stopController();
      await second.stopController();
      third = await startTestPlatform({ sharing: t, env });
      const again = third.client(token);
      const last = ticks.sort().at(-1)!;
      const after = await eventually("a run started by the new controller", async () => {
        const found = startedTicks((await lines(again)).filter((l) => l.source === `cron.${job.id}` && /^run of \S+ started/.test(l.message)));
        return found.some((tick) => tick > last) ? found : undefined;
      });
      expect(new Set(after).size).toBe(after.length);
      await again.sdk.RemoveCronJob({ app, id: job.id });
    } finally {
      await third?.stop();
      await second.stop();
    }
  });
});
