import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { appLogBatchesTopic } from "../../src/core/topics";
import { uniqueApp } from "../harness/apps";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

/** Debian's Chromium (never a browser download): scripts/test-all.sh installs it. */
const CHROMIUM = "/usr/bin/chromium";

/** Sets the text of the GraphiQL editor inside `selector` as a paste would (CodeMirror's own API). */
async function paste(page: Page, selector: string, text: string): Promise<void> {
  const editor = `${selector} .CodeMirror`;
  await page.waitForSelector(editor, { state: "visible" });
  await page.evaluate(`document.querySelector(${JSON.stringify(editor)}).CodeMirror.setValue(${JSON.stringify(text)})`);
}

/** The explorer (GraphiQL at /graphql) in a real browser: a token in the Headers tab, a live log line. */
describe("the GraphQL explorer in Chromium", () => {
  let t: TestPlatform;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: this test drives Debian's Chromium. Install it with: apt-get install -y chromium (npm run test:all does)`);
    }
    t = await startTestPlatform({ backend: "embedded" });
    profile = mkdtempSync(join(tmpdir(), "deis-chromium-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.stop();
  });

  test("a subscription with the token pasted in Headers (headers not persisted) receives a live log line", async () => {
    const { client: alice, token } = await t.signUp("alice");
    const app = uniqueApp("explorer");
    await alice.sdk.CreateApp({ name: app });

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(t.url);
    await page.waitForSelector(".graphiql-container");
    // The Headers tab is open at the start; "persist headers" stays off, as a newcomer leaves it.
    await paste(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)", JSON.stringify({ Authorization: `Bearer ${token}` }));
    await paste(page, ".graphiql-query-editor", `subscription { logs(app: "${app}") { source text } }`);
    expect(await page.evaluate('localStorage.getItem("graphiql:headers")')).toBeNull();

    const topic = appLogBatchesTopic(app);
    const before = t.subscribers(topic);
    await page.click(".graphiql-execute-button");
    await eventually("the explorer's subscription to be live", async () => (t.subscribers(topic) > before ? true : undefined));

    await alice.sdk.SetConfig({ app, values: [{ key: "GREETING", value: "hi" }] });
    const response = await eventually("the live log line in the explorer's response pane", async () => {
      const text = await page.locator(".graphiql-response").innerText();
      return text.includes("alice added GREETING") ? text : undefined;
    });
    expect(response).toContain('"source": "deis[api]"');
    expect(response).not.toContain("UNAUTHENTICATED");
    expect(errors).toEqual([]);
    await page.close();
  });
});
