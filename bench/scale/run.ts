/**
 * bench/scale: many small apps on one host, the platform run as a user runs it (`npm start`'s command,
 * embedded defaults, a temporary data dir). Each app is one web process of the stack image's busybox
 * httpd answering its own hostname. At BENCH_APPS_FIRST (20) apps and again at BENCH_APPS (200):
 *   - RSS over the platform's process tree (app containers excluded),
 *   - a full reconciler pass (from the platform's "reconcile pass done" debug line, DEIS_RECONCILE_SECONDS=5),
 *   - a scale-up web=2 to the first request through the router served by the new process, p50/p99
 *     over BENCH_SCALE_SAMPLES (50) apps,
 *   - apps(first: 100) over HTTP, p50 of 50 requests;
 * then a restart (SIGTERM, start again) until every app answers through the router.
 * Goals at 200 apps: RSS < 300 MB, pass < 1 s, propagation p99 < 1 s, restart < 30 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DockerEngine, STACK_IMAGE } from "../../src/modules/docker";
import { type DeisClient, createDeisClient } from "../../src/sdk/client";
import { prepareDocker } from "../../test/harness/docker";
import { send } from "../../test/harness/http";
import { removePlatformLeftovers } from "../../test/harness/leftovers";
import { freePort } from "../../test/harness/processes";
import { type ProcessRss, type StartedPlatform, buildIfStale, cleanUpOnExit, settledTree, startCommand, startPlatformCommand, stopPlatformCommand, totalMb } from "../support/platform-process";
import { benchNumber } from "../support/settings";

const FIRST = benchNumber("BENCH_APPS_FIRST", 20, 2);
const APPS = benchNumber("BENCH_APPS", 200, 3);
const SAMPLES = benchNumber("BENCH_SCALE_SAMPLES", 50, 2);
const GOALS = { rssMb: 300, passMs: 1000, propagationP99Ms: 1000, restartMs: 30_000 };
/** Each process answers with its own hostname (the container's), so a new process is told apart. */
const WEB = "mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p $PORT -h /tmp/www";

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Stage {
  readonly apps: number;
  readonly rssMb: number;
  readonly passMs: number;
  readonly propagation: { p50: number; p99: number };
  readonly appsP50Ms: number;
}

/** How long to wait for a full reconciler pass (passes run every 5 s; a busy machine slows them). */
const PASS_WAIT_MS = benchNumber("BENCH_PASS_WAIT_SECONDS", 120, 45) * 1000;

/** Reads the platform's JSON log lines for reconciler passes (and what the reconciler's election said). */
class PassWatcher {
  private buffer = "";
  readonly passes: { apps: number; ms: number }[] = [];
  /** The last lines about the reconciler's election or failed passes: why no pass came, if none does. */
  private readonly reconcilerNews: string[] = [];
  take = (text: string) => {
    this.buffer += text;
    const lines = this.buffer.split("\n");
    this.buffer = lines.pop() ?? "";
    for (const line of lines) {
      if (/reconciler"|reconcile pass failed/.test(line)) {
        this.reconcilerNews.push(line.slice(0, 300));
        if (this.reconcilerNews.length > 4) this.reconcilerNews.shift();
      }
      if (!line.includes("reconcile pass done")) continue;
      try {
        // A pass converges `apps` and skips `inShape` (already running what they should): it covers both.
        const entry = JSON.parse(line) as { apps: number; inShape?: number; ms: number };
        this.passes.push({ apps: entry.apps + (entry.inShape ?? 0), ms: entry.ms });
      } catch {
        // not a JSON line
      }
    }
  };

  /** The next full pass over at least `apps` apps, after now; NaN ms (said, with why) when none ends in PASS_WAIT_MS. */
  async next(apps: number): Promise<{ apps: number; ms: number }> {
    const seen = this.passes.length;
    const deadline = performance.now() + PASS_WAIT_MS;
    while (performance.now() < deadline) {
      const pass = this.passes.slice(seen).find((p) => p.apps >= apps);
      if (pass) return pass;
      await sleep(100);
    }
    console.log(`  NOTE: no reconciler pass over ${apps} apps ended within ${PASS_WAIT_MS / 1000} s (passes seen: ${JSON.stringify(this.passes.slice(-3))}; the reconciler's last words: ${this.reconcilerNews.join(" | ") || "none"})`);
    return { apps, ms: Number.NaN };
  }
}

async function body(port: number, host: string): Promise<string | null> {
  try {
    const answer = await send(port, host, "/");
    return answer.status === 200 ? answer.body.trim() : null;
  } catch {
    return null;
  }
}

async function waitDeployed(client: DeisClient, apps: readonly string[]): Promise<void> {
  for (const app of apps) {
    for (;;) {
      const { release } = await client.sdk.Release({ app, version: 2 });
      if (release.status === "SUCCEEDED") break;
      if (release.status !== "PENDING") throw new Error(`${app} v2 ${release.status}: ${release.failureReason ?? "no reason given"}`);
      await sleep(200);
    }
  }
}

async function allAnswer(port: number, apps: readonly string[], domain: string): Promise<void> {
  const left = new Set(apps);
  while (left.size > 0) {
    await Promise.all([...left].map(async (app) => ((await body(port, `${app}.${domain}`)) !== null ? left.delete(app) : undefined)));
    if (left.size > 0) await sleep(50);
  }
}

/** Scale web=2, then the time until a request through the router is answered by the new process. */
async function propagation(client: DeisClient, port: number, app: string, domain: string): Promise<number> {
  const host = `${app}.${domain}`;
  const first = await body(port, host);
  const t0 = performance.now();
  await client.sdk.Scale({ app, processes: [{ type: "web", count: 2 }] });
  for (;;) {
    const answer = await body(port, host);
    if (answer !== null && answer !== first) break;
    if (performance.now() - t0 > 120_000) throw new Error(`${app}: the new process never answered`);
    await sleep(5);
  }
  const ms = performance.now() - t0;
  await client.sdk.Scale({ app, processes: [{ type: "web", count: 1 }] });
  return ms;
}

async function appsListP50(url: string, token: string): Promise<number> {
  const query = "query { apps(first: 100) { nodes { name latestRelease { version } } } }";
  const times: number[] = [];
  for (let i = 0; i < 55; i++) {
    const t0 = performance.now();
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
    if (!response.ok) throw new Error(`apps query: HTTP ${response.status}`);
    await response.json();
    if (i >= 5) times.push(performance.now() - t0);
  }
  return percentile(times, 50);
}

/** The tree's processes by RSS, largest first (PostgreSQL's backends each count the shared pages they touched). */
function biggest(tree: readonly ProcessRss[]): string {
  const sorted = [...tree].sort((a, b) => b.rssKb - a.rssKb);
  const named = sorted.slice(0, 6).map((p) => `${p.name} ${(p.rssKb / 1024).toFixed(1)} MB`);
  const rest = sorted.slice(6);
  return [...named, ...(rest.length > 0 ? [`${rest.length} more ${totalMb(rest).toFixed(1)} MB`] : [])].join("; ");
}

function line(stage: Stage): string {
  return `  ${String(stage.apps).padStart(4)} apps: RSS ${stage.rssMb.toFixed(1)} MB; reconciler pass ${stage.passMs} ms; scale-up to first request served by the new process p50 ${stage.propagation.p50.toFixed(0)} ms, p99 ${stage.propagation.p99.toFixed(0)} ms; apps(first: 100) p50 ${stage.appsP50Ms.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  buildIfStale();
  await prepareDocker();
  const dataDir = mkdtempSync(join(tmpdir(), "bench-scale-"));
  const platformId = `scale-${process.pid}`;
  const routerPort = await freePort();
  const domain = "localhost";
  const env: Record<string, string> = {
    DEIS_DATA_DIR: dataDir,
    DEIS_PORT: String(await freePort()),
    DEIS_ROUTER_PORT: String(routerPort),
    DEIS_ROUTER_HTTPS_PORT: "off",
    DEIS_BUILDER_PORT: String(await freePort()),
    DEIS_SYSLOG_PORT: "off",
    DEIS_PLATFORM_ID: platformId,
    DEIS_RECONCILE_SECONDS: "5",
    LOG_LEVEL: "debug",
  };
  const engine = new DockerEngine();
  const passes = new PassWatcher();
  const apps: string[] = [];
  let running: StartedPlatform | null = null;
  let client: DeisClient | null = null;
  const cleanUp = cleanUpOnExit(async () => {
    await client?.close();
    if (running) await stopPlatformCommand(running.child);
    await removePlatformLeftovers(engine, platformId, apps);
    rmSync(dataDir, { recursive: true, force: true });
  });
  try {
    running = await startPlatformCommand(startCommand(), env, passes.take);
    const anonymous = createDeisClient({ url: running.apiUrl });
    const { register } = await anonymous.sdk.Register({ input: { username: "bench", password: "bench-password" } });
    await anonymous.close();
    client = createDeisClient({ url: running.apiUrl, token: register.token });
    console.log(`bench/scale: ${FIRST} then ${APPS} apps, one busybox httpd web process each, the platform as npm start runs it (up in ${running.startedMs} ms)`);

    const stages: Stage[] = [];
    for (const target of [FIRST, APPS]) {
      const added: string[] = [];
      for (let i = apps.length + 1; i <= target; i++) {
        const app = `scale-${String(i).padStart(3, "0")}`;
        await client.sdk.CreateApp({ name: app });
        await client.sdk.DeployImage({ app, image: STACK_IMAGE, procfile: [{ type: "web", command: WEB }] });
        apps.push(app);
        added.push(app);
      }
      await waitDeployed(client, added);
      await allAnswer(routerPort, apps, domain);
      const tree = await settledTree(running.child.pid!);
      const pass = await passes.next(apps.length);
      const samples: number[] = [];
      for (const app of apps.slice(0, SAMPLES)) samples.push(await propagation(client, routerPort, app, domain));
      const stage: Stage = {
        apps: apps.length,
        rssMb: totalMb(tree),
        passMs: pass.ms,
        propagation: { p50: percentile(samples, 50), p99: percentile(samples, 99) },
        appsP50Ms: await appsListP50(running.apiUrl, register.token),
      };
      stages.push(stage);
      console.log(line(stage));
      console.log(`        RSS by process: ${biggest(tree)}`);
    }

    await client.close();
    client = null;
    await stopPlatformCommand(running.child);
    running = null;
    const t0 = performance.now();
    running = await startPlatformCommand(startCommand(), env, passes.take);
    await allAnswer(routerPort, apps, domain);
    const restartMs = performance.now() - t0;
    console.log(`  restart: up in ${running.startedMs} ms; all ${apps.length} apps answering through the router after ${restartMs.toFixed(0)} ms`);

    const [small, large] = stages;
    const growth = (a: number, b: number) => (a > 0 ? `${(b / a).toFixed(2)}x` : "n/a");
    console.log(
      `growth ${small.apps} -> ${large.apps} apps: RSS ${growth(small.rssMb, large.rssMb)}, pass ${growth(small.passMs, large.passMs)}, propagation p99 ${growth(small.propagation.p99, large.propagation.p99)}, apps(first: 100) p50 ${growth(small.appsP50Ms, large.appsP50Ms)}`,
    );
    const verdict = (value: number, goal: number, unit: string) => `${value.toFixed(0)} ${unit} = ${(value / goal).toFixed(2)}x of the ${goal} ${unit} goal (${value < goal ? "met" : "MISSED"})`;
    console.log(`vs goals at ${large.apps} apps:`);
    console.log(`  RSS ${verdict(large.rssMb, GOALS.rssMb, "MB")}`);
    console.log(`  reconciler pass ${verdict(large.passMs, GOALS.passMs, "ms")}`);
    console.log(`  route propagation p99 ${verdict(large.propagation.p99, GOALS.propagationP99Ms, "ms")}`);
    console.log(`  restart to all serving ${verdict(restartMs, GOALS.restartMs, "ms")}`);
  } finally {
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error("bench:scale FAILED:", error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
