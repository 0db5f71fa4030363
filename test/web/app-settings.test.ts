import { join } from "node:path";
import type { Page } from "playwright-core";
import type { DeisClient } from "../../src/sdk/client";
import { selfSigned } from "../harness/certificates";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { type Browser, buildDashboard, openBrowser, requireChromium, screenshotDir, signIn, watchProblems } from "./browser";

const PASSWORD = "correct-horse-battery";

/**
 * An app's settings in the dashboard (limits, healthchecks, tags, certificates, ingest token,
 * transfer), the admin's registration mode, and the apps list following every app live: each
 * change seen on the page, checked through the API, and bad input shown next to its field.
 */
describe("the dashboard's app settings and admin page", () => {
  let t: TestPlatform;
  let alice: Browser;
  let bob: Browser;
  let aliceApi: DeisClient;
  let bobApi: DeisClient;
  let shots: string;
  let problems: string[] = [];
  let step = 0;
  const app = "settings-app";
  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, "0")}-${name}.png`), fullPage: true });
  const origin = () => new URL(t.url).origin;

  beforeAll(async () => {
    requireChromium();
    buildDashboard();
    shots = screenshotDir("app-settings");
    t = await startTestPlatform({ backend: "embedded" });
    // The first account is an admin.
    aliceApi = (await t.signUp("alice", PASSWORD)).client;
    bobApi = (await t.signUp("bob", PASSWORD)).client;
    await aliceApi.sdk.CreateApp({ name: app });
    await aliceApi.sdk.AddCollaborator({ app, username: "bob" });
    alice = await openBrowser();
    problems = watchProblems(alice.page);
    bob = await openBrowser();
    await signIn(alice.page, origin(), "alice", PASSWORD);
    await signIn(bob.page, origin(), "bob", PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await bob?.close();
    await alice?.close();
    await t?.stop();
  });

  test("limits, healthcheck and tags: set from the page, shown, made releases; bad values named next to their field and nothing changed", async () => {
    const page = alice.page;
    await page.evaluate(`location.hash = "#/apps/${app}"`);
    await page.getByRole("heading", { level: 1, name: app }).waitFor();

    const limits = page.locator("#limits-title").locator("..");
    await limits.getByLabel("Limit process type").fill("web");
    await limits.getByLabel("Memory (e.g. 512M)").fill("256M");
    await limits.getByLabel("CPU (e.g. 500m)").fill("500m");
    await limits.getByRole("button", { name: "Set limits" }).click();
    await page.locator('li[data-limit="web"]').filter({ hasText: "memory 256M, cpu 500m" }).waitFor();
    await page.locator('tr[data-release="2"]').waitFor();

    await limits.getByLabel("Memory (e.g. 512M)").fill("lots");
    await limits.getByRole("button", { name: "Set limits" }).click();
    const memoryError = limits.locator('label:has-text("Memory") p.error[data-field="memory.web"]');
    await memoryError.waitFor();
    expect(await memoryError.textContent()).toContain("memory is a number");
    expect((await aliceApi.sdk.Config({ app })).config.limits).toEqual([{ type: "web", memory: "256M", cpu: "500m" }]);

    const checks = page.locator("#healthchecks-title").locator("..");
    await checks.getByLabel("Path (empty: a TCP connect)").fill("healthz");
    await checks.getByRole("button", { name: "Set healthcheck" }).click();
    const pathError = checks.locator('label:has-text("Path") p.error[data-field="path"]');
    await pathError.waitFor();
    expect(await pathError.textContent()).toContain('must start with "/"');
    expect((await aliceApi.sdk.Config({ app })).config.healthchecks).toEqual([]);
    await checks.getByLabel("Path (empty: a TCP connect)").fill("/healthz");
    await checks.getByLabel("Every (seconds)").fill("5");
    await checks.getByRole("button", { name: "Set healthcheck" }).click();
    await page.locator('li[data-healthcheck="web"]').filter({ hasText: "GET /healthz every 5s" }).waitFor();
    expect(await checks.locator("p.error").count()).toBe(0);

    const tags = page.locator("#tags-title").locator("..");
    await tags.getByLabel("Tag key").fill("1zone");
    await tags.getByLabel("Tag value").fill("eu");
    await tags.getByRole("button", { name: "Set tag" }).click();
    await tags.locator('label:has-text("Tag key") p.error[data-field="tags[0].key"]').waitFor();
    await tags.getByLabel("Tag key").fill("zone");
    await tags.getByRole("button", { name: "Set tag" }).click();
    await page.locator('li[data-tag="zone"]').filter({ hasText: "zone=eu" }).waitFor();
    const config = (await aliceApi.sdk.Config({ app })).config;
    expect(config.healthchecks).toMatchObject([{ type: "web", path: "/healthz", periodSeconds: 5 }]);
    expect(config.tags).toEqual([{ key: "zone", value: "eu" }]);

    // A change made elsewhere (the CLI's SDK) shows without a reload.
    await aliceApi.sdk.SetTags({ app, tags: [{ key: "disk", value: "ssd" }] });
    await page.locator('li[data-tag="disk"]').filter({ hasText: "disk=ssd" }).waitFor();
    await shot(page, "limits-healthchecks-tags");
    expect(problems).toEqual([]);
  });

  test("certificates: a mismatched key is named next to its field; a good one is listed, then removed", async () => {
    const page = alice.page;
    const certs = page.locator("#certificates-title").locator("..");
    const good = selfSigned(["www.settings.test"]);
    const other = selfSigned(["other.settings.test"]);
    await certs.getByLabel("Certificate name").fill("www");
    await certs.getByLabel("Certificate (PEM)").fill(good.certificate);
    await certs.getByLabel("Private key (PEM)").fill(other.key);
    await certs.getByRole("button", { name: "Add certificate" }).click();
    const keyError = certs.locator('label:has-text("Private key") p.error[data-field="key"]');
    await keyError.waitFor();
    expect(await keyError.textContent()).toContain("does not belong to the certificate");
    expect((await aliceApi.sdk.Certificates({ app })).certificates.nodes).toEqual([]);

    await certs.getByLabel("Private key (PEM)").fill(good.key);
    await certs.getByRole("button", { name: "Add certificate" }).click();
    await page.locator('li[data-certificate="www"]').filter({ hasText: "www.settings.test" }).waitFor();
    await shot(page, "certificates");
    await certs.getByRole("button", { name: "Remove certificate www" }).click();
    await page.locator('li[data-certificate="www"]').waitFor({ state: "detached" });
    expect((await aliceApi.sdk.Certificates({ app })).certificates.nodes).toEqual([]);
  });

  test("the ingest token: shown when asked, rotated to a new one the API agrees on", async () => {
    const page = alice.page;
    const ingest = page.locator("#ingest-title").locator("..");
    await ingest.getByRole("button", { name: "Show ingest token" }).click();
    const shown = page.getByTestId("ingest-token").locator("code").first();
    await shown.waitFor();
    const before = (await shown.textContent())!.trim();
    expect(before).toBe((await aliceApi.sdk.LogIngest({ app })).logIngest.token);
    await ingest.getByRole("button", { name: "Rotate ingest token" }).click();
    await page.getByTestId("ingest-token").locator("code").first().filter({ hasNotText: before }).waitFor();
    const after = (await shown.textContent())!.trim();
    expect(after).not.toBe(before);
    expect((await aliceApi.sdk.LogIngest({ app })).logIngest.token).toBe(after);
    await ingest.getByRole("button", { name: "Copy token" }).waitFor();
    await shot(page, "ingest-token");
  });

  test("a collaborator may change settings but not transfer or destroy; the owner transfers, and the collaborator's page follows live", async () => {
    const page = bob.page;
    await page.evaluate(`location.hash = "#/apps/${app}"`);
    await page.getByRole("heading", { level: 1, name: app }).waitFor();
    await page.locator('li[data-tag="zone"]').waitFor();
    expect(await page.getByRole("link", { name: "Admin" }).count()).toBe(0);
    const transfer = page.locator("#transfer-title").locator("..");
    expect(await transfer.getByLabel("New owner's username").isDisabled()).toBe(true);
    expect(await transfer.getByRole("button", { name: "Transfer app" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Destroy app" }).isDisabled()).toBe(true);
    expect(await page.locator("#limits-title").locator("..").getByRole("button", { name: "Remove web cpu limit" }).isEnabled()).toBe(true);
    await shot(page, "collaborator-disabled");

    // The owner: a user who does not exist is named next to the field; then bob gets the app.
    const own = alice.page.locator("#transfer-title").locator("..");
    await own.getByLabel("New owner's username").fill("nobody");
    await own.getByRole("button", { name: "Transfer app" }).click();
    await own.locator("p.error").first().waitFor();
    expect((await aliceApi.sdk.App({ name: app })).app.owner.username).toBe("alice");
    await own.getByLabel("New owner's username").fill("bob");
    await own.getByRole("button", { name: "Transfer app" }).click();
    await alice.page.locator("p.meta").filter({ hasText: "owner bob" }).waitFor();
    // Bob's page, unreloaded, now lets him transfer and destroy.
    await page.locator("p.meta").filter({ hasText: "owner bob" }).waitFor();
    await page.locator("#transfer-title").locator("..").getByLabel("New owner's username").and(page.locator(":enabled")).waitFor();
    expect((await bobApi.sdk.App({ name: app })).app.owner.username).toBe("bob");
    await shot(page, "transferred");
  });

  test("the apps list follows every app live: one shared with the user appears, one destroyed goes", async () => {
    const page = bob.page;
    await page.evaluate(`location.hash = "#/apps"`);
    await page.locator(`tr[data-app="${app}"]`).waitFor();
    const shared = "settings-shared";
    await aliceApi.sdk.CreateApp({ name: shared });
    await aliceApi.sdk.AddCollaborator({ app: shared, username: "bob" });
    await page.locator(`tr[data-app="${shared}"]`).waitFor();
    await aliceApi.sdk.SetConfig({ app: shared, values: [{ key: "A", value: "1" }] });
    await page.locator(`tr[data-app="${shared}"]`).filter({ hasText: "v2" }).waitFor();
    await shot(page, "apps-live");
    await aliceApi.sdk.DestroyApp({ name: shared });
    await page.locator(`tr[data-app="${shared}"]`).waitFor({ state: "detached" });
  });

  test("an admin changes the registration mode; registration follows it; a bad mode changes nothing", async () => {
    const page = alice.page;
    await page.evaluate(`location.hash = "#/admin"`);
    await page.getByTestId("registration-mode").filter({ hasText: "now: enabled" }).waitFor();
    await page.locator('tr[data-user="bob"]').waitFor();
    expect(await page.getByTestId("user-count").textContent()).toBe("2");
    await page.getByLabel("Registration").selectOption("disabled");
    await page.getByRole("button", { name: "Save registration mode" }).click();
    await page.getByTestId("registration-mode").filter({ hasText: "now: disabled" }).waitFor();
    await shot(page, "admin-registration");
    await expectApiError(t.client().sdk.Register({ input: { username: "carol", password: PASSWORD } }), "FORBIDDEN");
    expect((await t.client().sdk.Platform()).platform.registrationMode).toBe("disabled");
    await expectApiError(aliceApi.sdk.SetRegistrationMode({ mode: "sometimes" }), "BAD_USER_INPUT", "mode");
    await expectApiError(bobApi.sdk.SetRegistrationMode({ mode: "enabled" }), "FORBIDDEN");
    expect((await t.client().sdk.Platform()).platform.registrationMode).toBe("disabled");

    await page.getByLabel("Registration").selectOption("enabled");
    await page.getByRole("button", { name: "Save registration mode" }).click();
    await page.getByTestId("registration-mode").filter({ hasText: "now: enabled" }).waitFor();
    await t.client().sdk.Register({ input: { username: "carol", password: PASSWORD } });
    expect(problems).toEqual([]);
  });
});
