import { join } from "node:path";
import type { Page } from "playwright-core";
import type { DeisClient } from "../../src/sdk/client";
import { settledRelease } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";
import { type Browser, buildDashboard, openBrowser, requireChromium, screenshotDir, watchProblems } from "./browser";

const PASSWORD = "correct-horse-battery";
const SLOW = 120_000;

/**
 * An app's newer features in the dashboard: maintenance mode (seen at the router), the allow-list,
 * scheduled jobs, volumes, deploy hooks (the secret shown once) and the audit trail; each change
 * made from the page, checked through the API, bad input named next to its field; the admin's
 * platform audit trail.
 */
describe("the dashboard's maintenance, access, jobs, volumes, hooks and audit", () => {
  let t: TestPlatform;
  let alice: Browser;
  let aliceApi: DeisClient;
  let shots: string;
  let problems: string[] = [];
  let step = 0;
  const app = `features-${process.pid}`;
  const host = `${app}.localhost`;
  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, "0")}-${name}.png`), fullPage: true });
  const origin = () => new URL(t.url).origin;
  const section = (page: Page, id: string) => page.locator(`#${id}-title`).locator("..");
  /** The router's answer for the app once `accept` takes it. */
  const routerAnswer = (what: string, accept: (status: number, body: string) => boolean) =>
    eventually(what, async () => {
      const answer = await send(t.platform.router.port, host, "/");
      return accept(answer.status, answer.body) ? answer : undefined;
    });

  beforeAll(async () => {
    requireChromium();
    buildDashboard();
    shots = screenshotDir("app-features");
    t = await startTestPlatform({ backend: "embedded", env: { DEIS_DRAINS_ALLOW: "127.0.0.1/32" } });
    aliceApi = (await t.signUp("alice", PASSWORD)).client;
    await aliceApi.sdk.CreateApp({ name: app });
    await aliceApi.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    expect((await settledRelease(aliceApi, app, 2)).status).toBe("SUCCEEDED");
    await routerAnswer("the app to answer through the router", (status) => status === 200);
    alice = await openBrowser();
    problems = watchProblems(alice.page);
    await alice.page.goto(`${origin()}/`);
    await alice.page.getByLabel("Username").fill("alice");
    await alice.page.getByLabel("Password").fill(PASSWORD);
    await alice.page.getByRole("button", { name: "Sign in", exact: true }).click();
    await alice.page.getByTestId("signed-in-as").filter({ hasText: "alice" }).waitFor();
    await alice.page.evaluate(`location.hash = "#/apps/${app}"`);
    await alice.page.getByRole("heading", { level: 1, name: app }).waitFor();
  }, SLOW);
  afterAll(async () => {
    await alice?.close();
    await t?.stop();
  });

  test("maintenance on: the router answers 503 with the maintenance page; off: the app answers again; no release made", async () => {
    const page = alice.page;
    const access = section(page, "access");
    await access.getByRole("button", { name: "Turn maintenance on" }).click();
    await page.getByTestId("maintenance-state").filter({ hasText: "on" }).waitFor();
    const down = await routerAnswer("the maintenance page", (status) => status === 503);
    expect(down.body).toContain("Down for maintenance");
    expect((await aliceApi.sdk.AppAccess({ app })).app.maintenance).toBe(true);
    await shot(page, "maintenance-on");
    await access.getByRole("button", { name: "Turn maintenance off" }).click();
    await page.getByTestId("maintenance-state").filter({ hasText: "off" }).waitFor();
    await routerAnswer("the app again", (status) => status === 200);
    expect((await aliceApi.sdk.AppAccess({ app })).app.maintenance).toBe(false);
    expect((await aliceApi.sdk.Releases({ app })).releases.nodes[0].version).toBe(2);
  });

  test("allow-list: a bad CIDR is named next to its field and changes nothing; a good one is listed and the API agrees", async () => {
    const page = alice.page;
    const access = section(page, "access");
    await access.getByLabel("Allowed address or CIDR").fill("10.0.0.0/99");
    await access.getByRole("button", { name: "Allow", exact: true }).click();
    const error = access.locator('label:has-text("Allowed address") p.error[data-field="cidrs"]');
    await error.waitFor();
    expect(await error.textContent()).toContain("10.0.0.0/99");
    expect((await aliceApi.sdk.AppAccess({ app })).app.allowList).toEqual([]);
    await access.getByLabel("Allowed address or CIDR").fill("10.0.0.0/8");
    await access.getByRole("button", { name: "Allow", exact: true }).click();
    await page.locator('li[data-cidr="10.0.0.0/8"]').waitFor();
    expect(await access.locator("p.error").count()).toBe(0);
    expect((await aliceApi.sdk.AppAccess({ app })).app.allowList).toEqual(["10.0.0.0/8"]);
    await shot(page, "allow-list");
    // The test's own requests come from 127.0.0.1: take the rule away again.
    await access.getByRole("button", { name: "Remove 10.0.0.0/8" }).click();
    await page.locator('li[data-cidr="10.0.0.0/8"]').waitFor({ state: "detached" });
    expect((await aliceApi.sdk.AppAccess({ app })).app.allowList).toEqual([]);
  });

  test("scheduled jobs and volumes: a bad schedule is named next to its field and adds nothing; a job and a volume are listed", async () => {
    const page = alice.page;
    const cron = section(page, "cron");
    await cron.getByLabel("Schedule (minute hour day month weekday, UTC)").fill("every minute");
    await cron.getByLabel("Job command").fill("echo tick");
    await cron.getByRole("button", { name: "Add job" }).click();
    await cron.locator('label:has-text("Schedule") p.error[data-field="schedule"]').waitFor();
    expect((await aliceApi.sdk.CronJobs({ app })).cronJobs).toEqual([]);
    await cron.getByLabel("Schedule (minute hour day month weekday, UTC)").fill("*/5 * * * *");
    await cron.getByRole("button", { name: "Add job" }).click();
    await cron.locator("li[data-cron]").filter({ hasText: "*/5 * * * *" }).filter({ hasText: "echo tick" }).waitFor();
    expect(await cron.locator("p.error").count()).toBe(0);
    expect((await aliceApi.sdk.CronJobs({ app })).cronJobs).toMatchObject([{ schedule: "*/5 * * * *", command: "echo tick" }]);

    const volumes = section(page, "volumes");
    await volumes.getByLabel("Volume name").fill("data");
    await volumes.getByLabel("Mount path").fill("/data");
    await volumes.getByRole("button", { name: "Add volume" }).click();
    await page.locator('li[data-volume="data"]').filter({ hasText: "/data" }).waitFor();
    // A volume makes a release, which the releases table shows live.
    await page.locator('tr[data-release="3"]').waitFor();
    expect((await aliceApi.sdk.Volumes({ app })).volumes).toMatchObject([{ name: "data", path: "/data" }]);
    await shot(page, "jobs-volumes");
  });

  test("a deploy hook: added, its secret shown once (gone after a reload), listed; the API agrees", async () => {
    const page = alice.page;
    const url = "http://127.0.0.1:9/x";
    const hooks = section(page, "hooks");
    await hooks.getByLabel("Hook URL").fill(url);
    await hooks.getByRole("button", { name: "Add hook" }).click();
    const secret = page.getByTestId("hook-secret").locator("code");
    await secret.waitFor();
    expect((await secret.textContent())!.trim().length).toBeGreaterThanOrEqual(16);
    await page.locator(`li[data-hook="${url}"]`).waitFor();
    expect((await aliceApi.sdk.Hooks({ app })).hooks).toMatchObject([{ url }]);
    await shot(page, "hook-secret");
    await page.reload();
    await page.locator(`li[data-hook="${url}"]`).waitFor();
    expect(await page.getByTestId("hook-secret").count()).toBe(0);
  });

  test("the audit trail shows a config change made on the page; the admin page shows the platform's", async () => {
    const page = alice.page;
    await page.getByRole("button", { name: "Add a value" }).click();
    await page.getByLabel("Key 1", { exact: true }).fill("AUDITED_KEY");
    await page.getByLabel("Value of AUDITED_KEY", { exact: true }).fill("secret-value");
    await page.getByRole("button", { name: "Save config" }).click();
    const row = section(page, "audit").locator('tr[data-audit="setConfig"]').filter({ hasText: "AUDITED_KEY" });
    await row.waitFor();
    expect(await row.textContent()).toContain("alice");
    expect(await row.textContent()).not.toContain("secret-value");
    await shot(page, "audit");

    await page.evaluate(`location.hash = "#/admin"`);
    const platform = section(page, "audit");
    await platform.getByRole("heading", { name: "Platform audit trail" }).waitFor();
    await platform.locator('tr[data-audit="createApp"]').filter({ hasText: app }).waitFor();
    await platform.locator('tr[data-audit="addHook"]').waitFor();
    await shot(page, "platform-audit");
    expect(problems).toEqual([]);
  });
});
