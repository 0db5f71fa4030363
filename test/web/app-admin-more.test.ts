import { join } from "node:path";
import type { Page } from "playwright-core";
import { DockerEngine } from "../../src/modules/docker";
import { LABELS } from "../../src/modules/runtime";
import type { DeisClient } from "../../src/sdk/client";
import { settledRelease } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";
import { type Browser, buildDashboard, openBrowser, requireChromium, screenshotDir, signIn, watchProblems } from "./browser";

const PASSWORD = "correct-horse-battery";
const SLOW = 120_000;

/**
 * The dashboard's last gaps: renaming an app (the owner's; the page follows the new name; disabled
 * for a collaborator), detached one-offs (run.N under Processes, as `deis ps` lists them, and
 * stopping them), the admin page's component health, and settings changed through the API
 * (maintenance, scheduled jobs) showing on an open page without a reload.
 */
describe("the dashboard's rename, one-offs, component health and live settings", () => {
  let t: TestPlatform;
  let alice: Browser;
  let bob: Browser;
  let aliceApi: DeisClient;
  let bobApi: DeisClient;
  let shots: string;
  let problems: string[] = [];
  let step = 0;
  const app = `more-${process.pid}`;
  const renamed = `${app}-new`;
  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, "0")}-${name}.png`), fullPage: true });
  const origin = () => new URL(t.url).origin;
  const section = (page: Page, id: string) => page.locator(`#${id}-title`).locator("..");

  async function openApp(page: Page, name: string): Promise<void> {
    await page.evaluate(`location.hash = "#/apps/${name}"`);
    await page.getByRole("heading", { level: 1, name }).waitFor();
  }

  beforeAll(async () => {
    requireChromium();
    buildDashboard();
    shots = screenshotDir("app-admin-more");
    t = await startTestPlatform({ backend: "embedded" });
    // The first account is an admin.
    aliceApi = (await t.signUp("alice", PASSWORD)).client;
    bobApi = (await t.signUp("bob", PASSWORD)).client;
    await aliceApi.sdk.CreateApp({ name: app });
    await aliceApi.sdk.AddCollaborator({ app, username: "bob" });
    await aliceApi.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    expect((await settledRelease(aliceApi, app, 2)).status).toBe("SUCCEEDED");
    alice = await openBrowser();
    problems = watchProblems(alice.page);
    bob = await openBrowser();
    await signIn(alice.page, origin(), "alice", PASSWORD);
    await signIn(bob.page, origin(), "bob", PASSWORD);
  }, SLOW);
  afterAll(async () => {
    await bob?.close();
    await alice?.close();
    await t?.stop();
  });

  test("a collaborator sees rename disabled (and the API refuses it); the owner sees it enabled", async () => {
    await openApp(bob.page, app);
    const rename = section(bob.page, "rename");
    expect(await rename.getByLabel("New name").isDisabled()).toBe(true);
    expect(await rename.getByRole("button", { name: "Rename app" }).isDisabled()).toBe(true);
    await rename.getByText("Only the app's owner (or an admin) may rename it.").waitFor();
    await expectApiError(bobApi.sdk.RenameApp({ app, name: renamed }), "FORBIDDEN");
    await openApp(alice.page, app);
    expect(await section(alice.page, "rename").getByLabel("New name").isEnabled()).toBe(true);
    await shot(bob.page, "collaborator-rename-disabled");
  });

  test("run:detached from the page: run.N shows under Processes (on a second browser too, live) until Stop removes it", async () => {
    const page = alice.page;
    await openApp(bob.page, app);
    const run = section(page, "run");
    await run.getByLabel("Background command").fill("exec sleep 600");
    await run.getByRole("button", { name: "Run detached" }).click();
    const started = page.getByTestId("detached-started");
    await started.waitFor();
    const name = /run\.\d+/.exec((await started.textContent()) ?? "")?.[0];
    expect(name).toBeDefined();
    expect((await aliceApi.sdk.Processes({ app })).processes.map((p) => `${p.type}.${p.num}`)).toContain(name);
    const processes = section(page, "processes");
    await processes.locator(`li[data-process="${name}"]`).waitFor();
    // Bob's page, open since before, shows it from the app's event.
    await section(bob.page, "processes").locator(`li[data-process="${name}"]`).waitFor();
    await shot(page, "one-off-running");

    await processes.getByRole("button", { name: `Stop ${name}` }).click();
    await eventually(`${name} gone from the API's processes`, async () =>
      (await aliceApi.sdk.Processes({ app })).processes.some((p) => `${p.type}.${p.num}` === name) ? undefined : true,
    );
    await processes.locator(`li[data-process="${name}"]`).waitFor({ state: "detached" }).catch(async (error: unknown) => {
      await shot(page, "one-off-not-gone");
      throw error;
    });
    await section(bob.page, "processes").locator(`li[data-process="${name}"]`).waitFor({ state: "detached" });
    expect(await processes.locator('li[data-process^="web."]').count()).toBeGreaterThan(0);
  });

  test("a one-off that ends with no event of its own (its container gone) leaves the page without a reload", async () => {
    const page = alice.page;
    const { runDetached: name } = await aliceApi.sdk.RunDetached({ app, command: "exec sleep 600" });
    const item = section(page, "processes").locator(`li[data-process="${name}"]`);
    await item.waitFor();
    const engine = new DockerEngine();
    const num = name.split(".")[1];
    const containers = (await engine.listContainers([`${LABELS.app}=${app}`, `${LABELS.type}=run`])).filter((c) => c.labels[LABELS.num] === num);
    expect(containers).toHaveLength(1);
    await engine.removeContainer(containers[0].id);
    await item.waitFor({ state: "detached" });
    expect((await aliceApi.sdk.Processes({ app })).processes.map((p) => `${p.type}.${p.num}`)).not.toContain(name);
  });

  test("maintenance and a scheduled job changed through the API show on an open page without a reload", async () => {
    const page = alice.page;
    // A fresh page of the app; its own look-agains after mounting (the first load and two more) are over before the changes.
    const accessLoads: string[] = [];
    page.on("request", (request) => {
      if (request.postData()?.includes("query DashAccess(")) accessLoads.push(request.url());
    });
    await page.evaluate(`location.hash = "#/apps"`);
    await page.getByRole("heading", { level: 1, name: "Apps" }).waitFor();
    await openApp(page, app);
    await eventually("the page's loads after mounting", async () => (accessLoads.length >= 3 ? true : undefined));
    await page.getByTestId("maintenance-state").filter({ hasText: "off" }).waitFor();
    const navigations: string[] = [];
    page.on("framenavigated", (frame) => frame === page.mainFrame() && navigations.push(frame.url()));

    await aliceApi.sdk.SetMaintenance({ app, on: true });
    await page.getByTestId("maintenance-state").filter({ hasText: "on" }).waitFor();
    const cron = section(page, "cron");
    const { addCronJob } = await aliceApi.sdk.AddCronJob({ app, schedule: "*/10 * * * *", command: "echo from-the-cli" });
    await cron.locator(`li[data-cron="${addCronJob.id}"]`).filter({ hasText: "echo from-the-cli" }).waitFor();
    await shot(page, "live-settings");
    await aliceApi.sdk.RemoveCronJob({ app, id: addCronJob.id });
    await cron.locator(`li[data-cron="${addCronJob.id}"]`).waitFor({ state: "detached" });
    await aliceApi.sdk.SetMaintenance({ app, on: false });
    await page.getByTestId("maintenance-state").filter({ hasText: "off" }).waitFor();

    // The page never reloaded: the app's events (SETTINGS_CHANGED, test/e2e/subscriptions) made it look again.
    expect(navigations.filter((url) => !url.includes("#/apps/"))).toEqual([]);
  });

  test("the admin page lists the platform's components with their state, as platform:status does", async () => {
    const page = alice.page;
    await page.evaluate(`location.hash = "#/admin"`);
    const components = section(page, "components");
    const { platform } = await aliceApi.sdk.PlatformStatus();
    expect(platform.components.length).toBeGreaterThan(0);
    for (const c of platform.components) {
      const row = components.locator(`tr[data-component="${c.name}"]`);
      await row.filter({ hasText: c.backend }).waitFor();
      expect(await row.getAttribute("data-healthy")).toBe(String(c.healthy));
      expect(await row.locator(".state").textContent()).toBe(c.healthy ? "healthy" : "down");
    }
    expect(platform.components.map((c) => c.name).sort()).toEqual(["cache", "database", "discovery"]);
    await page.getByTestId("leads").waitFor();
    // Asked again on demand (and every few seconds while shown).
    const asked = page.waitForRequest((request) => request.postData()?.includes("query DashPlatformStatus") ?? false);
    await components.getByRole("button", { name: "Check components again" }).click();
    await asked;
    await shot(page, "admin-components");
  });

  test("rename from the page: a bad name is named next to its field and changes nothing; a good one moves the page to the new name", async () => {
    const page = alice.page;
    await openApp(page, app);
    const rename = section(page, "rename");
    await rename.getByLabel("New name").fill("Not_A_Name");
    await rename.getByRole("button", { name: "Rename app" }).click();
    await rename.locator('label:has-text("New name") p.error[data-field="name"]').waitFor();
    expect((await aliceApi.sdk.App({ name: app })).app.name).toBe(app);

    await rename.getByLabel("New name").fill(renamed);
    await rename.getByRole("button", { name: "Rename app" }).click();
    await page.getByRole("heading", { level: 1, name: renamed }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/apps/${renamed}`);
    await page.locator("p.meta a").filter({ hasText: renamed }).waitFor();
    expect((await aliceApi.sdk.App({ name: renamed })).app.owner.username).toBe("alice");
    await expectApiError(aliceApi.sdk.App({ name: app }), "NOT_FOUND");
    await shot(page, "renamed");
    expect(problems).toEqual([]);
  });
});
