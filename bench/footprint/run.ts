/**
 * bench/footprint: the embedded platform's memory, as a user runs it (`node dist/main.js up`, nothing
 * configured but a temporary data dir and free ports). RSS is summed over the platform's whole process
 * tree (VmRSS of the process and every descendant, from /proc; app containers are not counted: they
 * are the apps'), idle once it has settled and again with 20 apps deployed. Then a restart: SIGTERM,
 * `npm start` again (which skips the build when dist is current), time until an app answers through
 * the router. Goals: 200 MB idle, 250 MB with 20 apps, 3 s to serve after a restart.
 *
 * BENCH_APPS (20) apps; BENCH_REGISTRY=1 also runs the registry daemon (DEIS_REGISTRY_PORT); any
 * DEIS_EMBEDDED_DATABASE set in the environment is passed on (compare the embedded databases);
 * BENCH_LOG=1 echoes the platform's output with the time since its start (LOG_LEVEL=info to see more).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerEngine } from "../../src/modules/docker";
import { type DeisClient, createDeisClient } from "../../src/sdk/client";
import { ECHO_IMAGE, prepareDocker } from "../../test/harness/docker";
import { removePlatformLeftovers } from "../../test/harness/leftovers";
import { freePort } from "../../test/harness/processes";
import {
  type ProcessRss,
  type StartedPlatform,
  buildIfStale,
  cleanUpOnExit,
  routerStatus,
  settledTree,
  startCommand,
  startPlatformCommand,
  stopPlatformCommand,
  totalMb,
} from "../support/platform-process";
import { SMOKE, benchNumber } from "../support/settings";

const APPS = benchNumber("BENCH_APPS", 20, 2);
const IDLE_GOAL_MB = 200;
const APPS_GOAL_MB = 250;
const RESTART_GOAL_MS = 3000;

function report(label: string, tree: ProcessRss[], goalMb: number): number {
  const total = totalMb(tree);
  console.log(`${label}: ${total.toFixed(1)} MB RSS over ${tree.length} processes (goal ${goalMb} MB, ratio ${(total / goalMb).toFixed(2)}: ${total <= goalMb ? "met" : "MISSED"})`);
  for (const p of tree) console.log(`  ${String(p.pid).padStart(7)} ${(p.rssKb / 1024).toFixed(1).padStart(7)} MB  ${p.name}`);
  return total;
}

/** Waits until a release has left PENDING (at most 3 minutes); returns its status. */
async function deployed(client: DeisClient, app: string, version: number): Promise<string> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { release } = await client.sdk.Release({ app, version });
    if (release.status !== "PENDING") return release.status;
    if (Date.now() > deadline) return "still PENDING after 3 minutes";
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  buildIfStale();
  await prepareDocker();
  const dataDir = mkdtempSync(join(tmpdir(), "bench-footprint-"));
  const platformId = `footprint-${process.pid}`;
  const routerPort = await freePort();
  const env: Record<string, string> = {
    DEIS_DATA_DIR: dataDir,
    DEIS_PORT: String(await freePort()),
    DEIS_ROUTER_PORT: String(routerPort),
    DEIS_ROUTER_HTTPS_PORT: "off",
    DEIS_BUILDER_PORT: String(await freePort()),
    DEIS_SYSLOG_PORT: "off",
    DEIS_PLATFORM_ID: platformId,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  };
  if (process.env.BENCH_REGISTRY === "1") env.DEIS_REGISTRY_PORT = String(await freePort());
  const engine = new DockerEngine();
  let running: StartedPlatform | null = null;
  let client: DeisClient | null = null;
  const apps: string[] = [];
  const cleanUp = cleanUpOnExit(async () => {
    await client?.close();
    if (running) await stopPlatformCommand(running.child);
    await removePlatformLeftovers(engine, platformId, apps);
    rmSync(dataDir, { recursive: true, force: true });
  });
  try {
    // The node flags of `npm start` (package.json's start script), without npm's own process.
    const start = startCommand();
    running = await startPlatformCommand(start, env);
    console.log(`bench/footprint: ${start.slice(1).join(" ")} (embedded defaults${process.env.DEIS_EMBEDDED_DATABASE ? `, DEIS_EMBEDDED_DATABASE=${process.env.DEIS_EMBEDDED_DATABASE}` : ""}), up in ${running.startedMs} ms`);
    const anonymous = createDeisClient({ url: running.apiUrl });
    const { register } = await anonymous.sdk.Register({ input: { username: "bench", password: "bench-password" } });
    await anonymous.close();
    client = createDeisClient({ url: running.apiUrl, token: register.token });
    const idle = report("idle, no apps", await settledTree(running.child.pid!), IDLE_GOAL_MB);

    for (let i = 1; i <= APPS; i++) {
      const app = `fp-${i}`;
      await client.sdk.CreateApp({ name: app });
      apps.push(app);
      await client.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    }
    for (const app of apps) {
      const status = await deployed(client, app, 2);
      if (status !== "SUCCEEDED") throw new Error(`${app} did not deploy: ${status}`);
    }
    for (const app of apps) {
      if ((await routerStatus(routerPort, `${app}.localhost`)) !== 200) throw new Error(`${app} does not answer through the router`);
    }
    const withApps = report(`${APPS} apps deployed`, await settledTree(running.child.pid!), APPS_GOAL_MB);
    await client.close();
    client = null;

    // Restart as a user does: SIGTERM, then `npm start` (prestart skips the build when dist is current).
    await stopPlatformCommand(running.child);
    running = null;
    const t0 = Date.now();
    running = await startPlatformCommand(["npm", "start", "--silent"], env);
    const host = `${apps[0]}.localhost`;
    while ((await routerStatus(routerPort, host)) !== 200) await new Promise((resolve) => setTimeout(resolve, 25));
    const restartMs = Date.now() - t0;
    console.log(`restart: npm start printed its addresses after ${running.startedMs} ms`);
    console.log(`restart: npm start to ${host} answering through the router in ${restartMs} ms (goal ${RESTART_GOAL_MS} ms, ratio ${(restartMs / RESTART_GOAL_MS).toFixed(2)}: ${restartMs <= RESTART_GOAL_MS ? "met" : "MISSED"})`);
    if (!SMOKE) process.exitCode = idle <= IDLE_GOAL_MB && withApps <= APPS_GOAL_MB && restartMs <= RESTART_GOAL_MS ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
