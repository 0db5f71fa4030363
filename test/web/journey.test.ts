import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { gitPush, gitRepo, sshKeygen } from "../harness/git";
import { appEventsTopic } from "../../src/core/topics";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";
import { type Browser, buildDashboard, openBrowser, requireChromium, screenshotDir, watchProblems } from "./browser";

const PASSWORD = "correct-horse-battery";
/** Long enough for a build and a rollout on a busy machine; the steps wait on what the page shows, not on time. */
const SLOW = 180_000;

function curl(url: string, host: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", `Host: ${host}`, url], (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

/**
 * The dashboard in a real browser (Debian's Chromium): a user's whole journey, every step seen on
 * the page as it happens (pushed elsewhere, requested with curl), and a second browser following live.
 */
describe("the web dashboard in a browser", () => {
  let t: TestPlatform;
  let alice: Browser;
  let bob: Browser | null = null;
  let shots: string;
  let app = "";
  let aliceProblems: string[] = [];
  let step = 0;
  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, "0")}-${name}.png`), fullPage: true });

  beforeAll(async () => {
    requireChromium();
    buildDashboard();
    shots = screenshotDir("journey");
    t = await startTestPlatform();
    alice = await openBrowser();
    aliceProblems = watchProblems(alice.page);
  });
  afterAll(async () => {
    await bob?.close();
    await alice?.close();
    await t?.stop();
  });

  const origin = () => new URL(t.url).origin;
  const go = (page: Page, hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);

  test(
    "register, create an app, push and watch it build, config, scale, live logs, rollback, domain, collaborator, destroy",
    async () => {
      const page = alice.page;
      await page.goto(`${origin()}/`);

      // Sign in / register.
      await page.getByRole("button", { name: "No account? Register" }).click();
      await page.getByLabel("Username").fill("alice");
      await page.getByLabel("Password").fill(PASSWORD);
      await shot(page, "register");
      await page.getByRole("button", { name: "Register", exact: true }).click();
      await page.getByTestId("signed-in-as").filter({ hasText: "alice" }).waitFor();
      // The token lives in an httpOnly cookie: no script in the page can read it.
      expect(await page.evaluate("document.cookie")).toBe("");
      expect(await page.evaluate("JSON.stringify(localStorage)")).toBe("{}");

      // Account: an SSH key for git push.
      const key = sshKeygen("alice@laptop");
      await go(page, "#/account");
      await page.getByLabel("Public key").fill(key.publicKey);
      await page.getByRole("button", { name: "Add key" }).click();
      await page.getByRole("listitem").filter({ hasText: "alice@laptop" }).waitFor();
      await shot(page, "account");

      // Apps: create one with a random name.
      await go(page, "#/apps");
      await page.getByRole("button", { name: "Create app" }).click();
      await page.waitForURL(/#\/apps\/[a-z]/);
      app = decodeURIComponent(new URL(page.url()).hash.replace("#/apps/", ""));
      expect(app).toMatch(/^[a-z][a-z0-9-]+$/);
      await page.getByRole("heading", { level: 1, name: app }).waitFor();
      await page.locator('tr[data-release="1"]').waitFor();
      await shot(page, "app-created");

      // A git push from outside the browser: its output streams into the page, then the release shows.
      const remote = (await page.locator("p.meta code").textContent())!.trim();
      const repo = gitRepo({ "index.txt": "hello from the dashboard journey\n", Procfile: "web: httpd -f -p $PORT -h /app\n" });
      const pushing = gitPush(repo, remote, key.privateKeyPath);
      await page.getByTestId("build-output").filter({ hasText: /\S/ }).waitFor({ timeout: SLOW });
      await shot(page, "build-streaming");
      const push = await pushing;
      expect(push.code).toBe(0);
      // Every step the pusher saw from the builder is on the page as well.
      const steps = push.output.split("\n").filter((line) => line.includes("----->")).map((line) => line.slice(line.indexOf("----->")).trim());
      expect(steps).toContain("-----> Releasing v2 and deploying...");
      for (const line of steps) await page.getByTestId("build-output").filter({ hasText: line }).waitFor();
      await page.locator('tr[data-release="2"]').filter({ hasText: "succeeded" }).waitFor({ timeout: SLOW });
      await page.locator('li[data-process="web.1"]').filter({ hasText: "running" }).waitFor({ timeout: SLOW });
      await shot(page, "released");

      // Config: a new value, masked once saved; a new release.
      await page.getByRole("button", { name: "Add a value" }).click();
      await page.getByLabel("Key 1", { exact: true }).fill("GREETING");
      await page.getByLabel("Value of GREETING", { exact: true }).fill("hello");
      await page.getByRole("button", { name: "Save config" }).click();
      await page.locator('tr[data-release="3"]').waitFor({ timeout: SLOW });
      await page.locator('input[type="password"][aria-label="Value of GREETING"]').waitFor();
      // Bad input is shown next to the field it names.
      await page.getByRole("button", { name: "Add a value" }).click();
      await page.getByLabel("Key 2", { exact: true }).fill("1BAD");
      await page.getByLabel("Value of 1BAD", { exact: true }).fill("x");
      await page.getByRole("button", { name: "Save config" }).click();
      const badRow = page.locator("tr", { has: page.getByLabel("Value of 1BAD", { exact: true }) });
      await badRow.locator('p.error[data-field="values[0].key"]').waitFor();
      expect(await badRow.locator("p.error").textContent()).toContain("does not start with a digit");
      await page.getByRole("button", { name: "Discard changes" }).click();
      await shot(page, "config");

      // Scale web to 2 and see both processes.
      await page.getByLabel("web count").fill("2");
      await page.getByRole("button", { name: "Scale", exact: true }).click();
      await page.locator('li[data-process="web.2"]').filter({ hasText: "running" }).waitFor({ timeout: SLOW });
      await page.locator('li[data-process="web.1"]').filter({ hasText: "running" }).waitFor();
      // What each uses, streamed by processMetrics: memory under the 512M default limit.
      const usage = page.locator('li[data-process="web.2"] [data-usage]');
      await usage.waitFor({ timeout: SLOW });
      expect(await usage.textContent()).toMatch(/· [\d.]+ MB of 512\.0 MB/);
      await shot(page, "scaled");

      // Live logs: a request through the router shows up as it happens.
      await page.getByRole("link", { name: "Live logs" }).click();
      const tail = page.getByTestId("log-tail");
      await tail.filter({ hasText: /\S/ }).waitFor({ timeout: SLOW });
      const probe = `/probe-${randomBytes(4).toString("hex")}`;
      const sent = Date.now();
      expect(await curl(`http://127.0.0.1:${t.platform.router.port}${probe}`, `${app}.localhost`)).toBe("404");
      await tail.filter({ hasText: `[router]: GET ${probe} 404` }).waitFor({ timeout: SLOW });
      process.stdout.write(`the router's line for a curl request was on the page ${Date.now() - sent} ms after it was sent\n`);
      // Pause keeps new lines aside; resume shows them, none lost.
      await page.getByRole("button", { name: "Pause" }).click();
      const paused = `/paused-${randomBytes(4).toString("hex")}`;
      await curl(`http://127.0.0.1:${t.platform.router.port}${paused}`, `${app}.localhost`);
      await page.getByRole("status").filter({ hasText: /[1-9]\d* new lines waiting/ }).waitFor({ timeout: SLOW });
      expect(await tail.textContent()).not.toContain(paused);
      await page.getByRole("button", { name: "Resume" }).click();
      await tail.filter({ hasText: `GET ${paused} 404` }).waitFor();
      // The filter by source hides the router's lines.
      await page.getByRole("checkbox", { name: "router" }).uncheck();
      // The tail re-renders after the click: wait for the router's lines to go, then check the rest stays.
      await tail.filter({ hasNotText: `GET ${probe}` }).waitFor();
      expect(await tail.textContent()).not.toContain(probe);
      expect(await tail.textContent()).toContain("deis[api]");
      await page.getByRole("checkbox", { name: "router" }).check();
      await shot(page, "logs");

      // Roll back to v2: a new release v4.
      await page.getByRole("link", { name: `Back to ${app}` }).click();
      await page.getByRole("button", { name: "Roll back to v2" }).click();
      await page.locator('tr[data-release="4"]').waitFor({ timeout: SLOW });
      expect(await page.locator('tr[data-release="4"]').textContent()).toContain("v2");
      await shot(page, "rolled-back");

      // A domain.
      await page.getByLabel("Domain", { exact: true }).fill(`${app}.example.com`);
      await page.getByRole("button", { name: "Add domain" }).click();
      await page.getByRole("list", { name: "Domains" }).getByText(`${app}.example.com`, { exact: true }).waitFor();
      await shot(page, "domain");

      // A collaborator, who signs in in a second browser and may not destroy the app.
      await t.signUp("bob", PASSWORD);
      await page.getByLabel("Collaborator username").fill("bob");
      await page.getByRole("button", { name: "Add collaborator" }).click();
      await page.getByRole("list", { name: "Collaborators" }).getByText("bob", { exact: true }).waitFor();
      bob = await openBrowser();
      const bobPage = bob.page;
      const bobProblems = watchProblems(bobPage);
      await bobPage.goto(`${origin()}/`);
      await bobPage.getByLabel("Username").fill("bob");
      await bobPage.getByLabel("Password").fill(PASSWORD);
      await bobPage.getByRole("button", { name: "Sign in", exact: true }).click();
      await bobPage.locator(`tr[data-app="${app}"]`).waitFor();
      await go(bobPage, `#/apps/${app}`);
      await bobPage.getByRole("heading", { level: 1, name: app }).waitFor();
      expect(await bobPage.getByRole("button", { name: "Destroy app" }).isDisabled()).toBe(true);
      expect(await bobPage.getByLabel("Type the app's name to confirm").isDisabled()).toBe(true);
      expect(await bobPage.getByRole("button", { name: "Add collaborator" }).isDisabled()).toBe(true);
      await shot(bobPage, "collaborator-view");

      // What alice does shows in bob's browser without a reload.
      await page.getByLabel("Domain", { exact: true }).fill(`www.${app}.example.com`);
      await page.getByRole("button", { name: "Add domain" }).click();
      await bobPage.getByRole("list", { name: "Domains" }).getByText(`www.${app}.example.com`, { exact: true }).waitFor({ timeout: SLOW });
      // The rollback to v2 took GREETING away with v2's config; alice sets another value.
      expect(await bobPage.getByLabel("Value of GREETING", { exact: true }).count()).toBe(0);
      await page.getByRole("button", { name: "Add a value" }).click();
      await page.getByLabel("Key 1", { exact: true }).fill("FROM_ALICE");
      await page.getByLabel("Value of FROM_ALICE", { exact: true }).fill("live");
      await page.getByRole("button", { name: "Save config" }).click();
      await bobPage.locator('tr[data-release="5"]').waitFor({ timeout: SLOW });
      await bobPage.getByLabel("Value of FROM_ALICE", { exact: true }).waitFor();
      await shot(bobPage, "collaborator-live");

      // Destroy, with the name typed to confirm: gone from alice's list, and bob's page says so.
      await page.getByLabel("Type the app's name to confirm").fill(app);
      await page.getByRole("button", { name: "Destroy app" }).click();
      await page.waitForURL(/#\/apps$/);
      await page.getByRole("table", { name: "Apps" }).waitFor();
      expect(await page.locator(`tr[data-app="${app}"]`).count()).toBe(0);
      await bobPage.getByText("This app was destroyed.").waitFor({ timeout: SLOW });
      await shot(page, "destroyed");

      // Regenerating the token signs this browser out with every other token; the new one stays on screen and works.
      await go(page, "#/account");
      await page.getByRole("button", { name: "Regenerate token" }).click();
      const fresh = page.getByRole("status").filter({ hasText: "Your new API token" }).locator("code");
      await fresh.waitFor();
      await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
      expect((await t.client((await fresh.textContent())!.trim()).sdk.Viewer()).viewer.username).toBe("alice");
      await shot(page, "token-regenerated");

      expect(aliceProblems).toEqual([]);
      expect(bobProblems).toEqual([]);
    },
    15 * 60_000,
  );

  test(
    "a second browser sees the first one's changes live: the apps list, releases, config, domains, the app's end",
    async () => {
      const { client } = await t.signUp("carol", PASSWORD);
      const shared = `live-${randomBytes(3).toString("hex")}`;
      await client.sdk.CreateApp({ name: shared });
      const first = await openBrowser();
      const second = await openBrowser();
      try {
        for (const { page } of [first, second]) {
          await page.goto(`${origin()}/`);
          await page.getByLabel("Username").fill("carol");
          await page.getByLabel("Password").fill(PASSWORD);
          await page.getByRole("button", { name: "Sign in", exact: true }).click();
          await page.locator(`tr[data-app="${shared}"]`).waitFor();
        }
        // The second browser stays on the apps list; the first one changes the app.
        const row = second.page.locator(`tr[data-app="${shared}"]`);
        expect(await row.textContent()).toContain("v1");
        await go(first.page, `#/apps/${shared}`);
        await first.page.getByRole("button", { name: "Add a value" }).click();
        await first.page.getByLabel("Key 1", { exact: true }).fill("SHARED");
        await first.page.getByLabel("Value of SHARED", { exact: true }).fill("yes");
        await first.page.getByRole("button", { name: "Save config" }).click();
        await row.filter({ hasText: "v2" }).waitFor();

        // Now both on the app: config, releases and domains follow (once the second page's event stream is live).
        const watching = t.subscribers(appEventsTopic(shared));
        await go(second.page, `#/apps/${shared}`);
        await second.page.locator('tr[data-release="2"]').waitFor();
        await eventually("the second page's app events to be live", async () => (t.subscribers(appEventsTopic(shared)) > watching ? true : undefined));
        await first.page.getByRole("button", { name: "Unset" }).click();
        await first.page.getByRole("button", { name: "Save config" }).click();
        await second.page.locator('tr[data-release="3"]').waitFor();
        await second.page.getByLabel("Value of SHARED", { exact: true }).waitFor({ state: "detached" });
        await first.page.getByLabel("Domain", { exact: true }).fill(`${shared}.example.org`);
        await first.page.getByRole("button", { name: "Add domain" }).click();
        await second.page.getByRole("list", { name: "Domains" }).getByText(`${shared}.example.org`, { exact: true }).waitFor();
        await shot(second.page, "second-browser-live");

        // The CLI's way (the SDK) counts as much as another browser.
        await client.sdk.DestroyApp({ name: shared });
        await second.page.getByText("This app was destroyed.").waitFor();
        await first.page.getByText("This app was destroyed.").waitFor();
      } finally {
        await first.close();
        await second.close();
      }
    },
    5 * 60_000,
  );
});
