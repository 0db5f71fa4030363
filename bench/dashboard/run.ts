/**
 * bench/dashboard: the web dashboard in Debian's Chromium (playwright-core), against the embedded platform.
 * - bytes of JavaScript and CSS shipped, gzipped (goal < 200 KB);
 * - navigation to the apps list rendered with 100 apps, on loopback (goal < 500 ms; median of 5);
 * - live logs at 1,000 lines/s for 10 s: every line shown, and the page's main thread busy < 50%
 *   (the top-level tasks of the renderer's main thread in Chromium's performance trace, over the window).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ECHO_IMAGE } from "../../test/harness/docker";
import { buildDashboard, openBrowser } from "../../test/web/browser";
import { deployed, startBenchPlatform } from "../support/platform";
import { benchNumber } from "../support/settings";

/** The page's document, in the functions run inside the browser (this file is compiled without the DOM library). */
declare const document: { querySelector(selector: string): { textContent: string | null } | null; querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> & Iterable<{ textContent: string | null }> };

const APPS = benchNumber("BENCH_APPS", 100, 5);
const RATE = benchNumber("BENCH_RATE", 1000, 100);
const SECONDS = benchNumber("BENCH_SECONDS", 10, 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** After 1 s, writes RATE lines/s for SECONDS: "tick <seq>". */
const writer = `node -e 'const rate=${RATE}, total=rate*${SECONDS}; let seq=0; setTimeout(() => { const start=Date.now(); const timer=setInterval(() => { const due=Math.min(total, Math.floor((Date.now()-start)*rate/1000)); let out=""; while (seq<due) out+="tick "+(seq++)+"\\n"; if (out) process.stdout.write(out); if (seq>=total) clearInterval(timer); }, 5); }, 1000); setInterval(() => {}, 1e6)'`;

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  args?: { name?: string };
}

/** Seconds of top-level tasks on the renderer's main thread (CrRendererMain), from trace events. */
function mainThreadBusySeconds(events: readonly TraceEvent[]): number {
  const mains = new Set(events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map<string, number>();
  for (const e of events) {
    const thread = `${e.pid}:${e.tid}`;
    // Newer Chromium names the top-level task ThreadControllerImpl::RunTask, older ones RunTask.
    if (e.ph === "X" && (e.name === "ThreadControllerImpl::RunTask" || e.name === "RunTask") && mains.has(thread)) byThread.set(thread, (byThread.get(thread) ?? 0) + (e.dur ?? 0));
  }
  // The page's renderer is the busiest one (about:blank renderers do nothing).
  return Math.max(0, ...byThread.values()) / 1e6;
}

/** The main thread's event names by total duration (BENCH_DEBUG=1), to see where the time goes. */
function topEvents(events: readonly TraceEvent[]): string {
  const mains = new Set(events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`));
  const totals = new Map<string, number>();
  for (const e of events) if (e.ph === "X" && mains.has(`${e.pid}:${e.tid}`)) totals.set(e.name, (totals.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, ms]) => `    ${name}: ${ms.toFixed(0)} ms`).join("\n");
}

function shippedBytes(): number {
  const assets = join(__dirname, "..", "..", "dist", "web", "assets");
  return readdirSync(assets)
    .filter((name) => /\.(js|css)$/.test(name))
    .reduce((sum, name) => sum + gzipSync(readFileSync(join(assets, name)), { level: 9 }).length, 0);
}

async function main(): Promise<void> {
  buildDashboard();
  const bytes = shippedBytes();
  console.log(`bench/dashboard: JS+CSS shipped ${(bytes / 1024).toFixed(1)} KB gzipped (goal < 200 KB: ${(bytes / 1024 / 200).toFixed(2)}x)`);

  const bench = await startBenchPlatform();
  const origin = new URL(bench.platform.api.url).origin;
  const browser = await openBrowser();
  try {
    const { sdk } = bench.client;
    for (let i = 0; i < APPS; i++) await sdk.CreateApp({ name: `dash-${String(i).padStart(3, "0")}` });
    const page = browser.page;
    await page.goto(`${origin}/`);
    await page.getByLabel("Username").fill("bench");
    await page.getByLabel("Password").fill("bench-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByTestId("signed-in-as").waitFor();

    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      await page.goto("about:blank");
      await page.goto(`${origin}/#/apps`);
      await page.waitForFunction((n) => document.querySelectorAll("tr[data-app]").length === n, APPS, { polling: "raf", timeout: 30_000 });
      times.push(await page.evaluate(() => performance.now()));
    }
    times.sort((a, b) => a - b);
    const median = times[2];
    console.log(`  apps list with ${APPS} apps rendered ${median.toFixed(0)} ms after navigation (median of 5; runs ${times.map((t) => t.toFixed(0)).join(", ")}; goal < 500 ms: ${(median / 500).toFixed(2)}x)`);

    const app = "dash-logs";
    await sdk.CreateApp({ name: app });
    await sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "writer", command: writer }] });
    await deployed(bench.client, app, 2);
    await sdk.Scale({ app, processes: [{ type: "writer", count: 0 }] });
    await page.goto(`${origin}/#/apps/${app}/logs`);
    await page.getByTestId("log-tail").waitFor();
    await sleep(1000); // the live tail subscribes once the recent lines are in
    const cdp = await page.context().newCDPSession(page);
    // Chromium's performance timeline (the DevTools trace): every task the renderer's main thread ran.
    const events: TraceEvent[] = [];
    cdp.on("Tracing.dataCollected", ({ value }) => events.push(...(value as unknown as TraceEvent[])));
    const traced = new Promise<void>((resolve) => cdp.once("Tracing.tracingComplete", () => resolve()));
    await sdk.Scale({ app, processes: [{ type: "writer", count: 1 }] });
    // The window: from the first tick on the page to the last.
    await page.waitForFunction(() => document.querySelector('[data-testid="log-tail"]')?.textContent?.includes("tick 0"), undefined, { timeout: 60_000 });
    await cdp.send("Tracing.start", { categories: "devtools.timeline,toplevel", transferMode: "ReportEvents" });
    const wallBefore = Date.now();
    const last = `tick ${RATE * SECONDS - 1}`;
    // Looks at the newest few batches only, so the bench's own polling costs the page next to nothing.
    await page.waitForFunction((line) => Array.from(document.querySelectorAll('[data-testid="log-tail"] .chunk:nth-last-child(-n+3)')).some((node) => node.textContent?.includes(line)), last, {
      timeout: (SECONDS + 30) * 1000,
      polling: 500,
    });
    const wall = (Date.now() - wallBefore) / 1000;
    await cdp.send("Tracing.end");
    await traced;
    const busy = mainThreadBusySeconds(events);
    if (process.env.BENCH_DEBUG) console.log(topEvents(events));
    const { shown, held, first, others } = await page.evaluate(() => {
      const seen = new Set<number>();
      // One block of text per batch: split each one (their text runs together across blocks).
      const held = Array.from(document.querySelectorAll('[data-testid="log-tail"] .chunk')).flatMap((chunk) => (chunk.textContent ?? "").split("\n"));
      const others: string[] = [];
      for (const line of held) {
        const match = /tick (\d+)$/.exec(line);
        if (match) seen.add(Number(match[1]));
        else others.push(line);
      }
      return { shown: seen.size, held: held.length, first: Math.min(...seen), others: others.slice(-3) };
    });
    console.log(`  the tail holds ${held} lines: ticks from ${first}; other lines, newest: ${JSON.stringify(others)}`);
    const share = busy / wall;
    console.log(
      `  live logs at ${RATE} lines/s for ${SECONDS} s: ${shown} of ${RATE * SECONDS} lines shown; renderer main thread busy ${(share * 100).toFixed(1)}% of ${wall.toFixed(1)} s (trace) (goal < 50%: ${(share / 0.5).toFixed(2)}x)`,
    );
    await sdk.Scale({ app, processes: [{ type: "writer", count: 0 }] });
  } finally {
    await browser.close();
    await bench.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
