import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Fails with what to install when Debian's Chromium is missing (never downloads a browser). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The dashboard's browser tests need Debian's Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (npm run test:all installs it).`);
  }
}

/** Bundles web/ into dist/web, as `npm run build` does. */
export function buildDashboard(): void {
  execFileSync(process.execPath, [join(__dirname, "..", "..", "web", "build.mjs")]);
}

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile of its own: a second one is a second browser (no shared cookies). */
export async function openBrowser(): Promise<Browser> {
  requireChromium();
  const profile = mkdtempSync(join(tmpdir(), "deis-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where a test's screenshots go (a temp dir, never committed); printed once so CI can keep them. */
export function screenshotDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `deis-dashboard-${name}-`));
  process.stdout.write(`dashboard screenshots: ${dir}\n`);
  return dir;
}

/** What the page reported that a user would never see: script errors and CSP violations. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // Answers of 4xx are the API refusing on purpose (shown on the page); Docker adding a bridge
    // network on this host makes Chromium abort requests in flight (ERR_NETWORK_CHANGED), which queries retry.
    const expected = /Failed to load resource: (the server responded with a status of 40[0-9]|net::ERR_NETWORK_CHANGED)/;
    if (message.type() === "error" && !expected.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}

/** Opens the dashboard at `origin` and signs in with the form, until the header names the user. */
export async function signIn(page: Page, origin: string, username: string, password: string): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByTestId("signed-in-as").filter({ hasText: username }).waitFor();
}
