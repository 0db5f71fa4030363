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
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DockerEngine } from "../../src/modules/docker";
import { type DeisClient, createDeisClient } from "../../src/sdk/client";
import { ECHO_IMAGE, prepareDocker } from "../../test/harness/docker";
import { freePort } from "../../test/harness/processes";
import { SMOKE, benchNumber } from "../support/settings";

const APPS = benchNumber("BENCH_APPS", 20, 2);
const IDLE_GOAL_MB = 200;
const APPS_GOAL_MB = 250;
const RESTART_GOAL_MS = 3000;
const root = join(__dirname, "..", "..");

interface ProcessRss {
  readonly pid: number;
  readonly name: string;
  readonly rssKb: number;
}

function children(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** The process and all its descendants, each with its VmRSS. */
function processTree(pid: number): ProcessRss[] {
  const result: ProcessRss[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift()!;
    try {
      const status = readFileSync(`/proc/${current}/status`, "utf8");
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const cmdline = readFileSync(`/proc/${current}/cmdline`, "utf8").split("\0").filter(Boolean);
      const name = cmdline.slice(0, 3).join(" ").replace(root, ".").slice(0, 70);
      result.push({ pid: current, name, rssKb });
    } catch {
      continue;
    }
    queue.push(...children(current));
  }
  return result;
}

function report(label: string, tree: ProcessRss[], goalMb: number): number {
  const totalMb = tree.reduce((sum, p) => sum + p.rssKb, 0) / 1024;
  console.log(`${label}: ${totalMb.toFixed(1)} MB RSS over ${tree.length} processes (goal ${goalMb} MB, ratio ${(totalMb / goalMb).toFixed(2)}: ${totalMb <= goalMb ? "met" : "MISSED"})`);
  for (const p of tree) console.log(`  ${String(p.pid).padStart(7)} ${(p.rssKb / 1024).toFixed(1).padStart(7)} MB  ${p.name}`);
  return totalMb;
}

/** Waits until RSS stops growing: three samples a second apart within 1 MB of each other. */
async function settled(pid: number): Promise<ProcessRss[]> {
  const sum = (tree: ProcessRss[]) => tree.reduce((s, p) => s + p.rssKb, 0);
  let samples: number[] = [];
  for (let i = 0; i < 60; i++) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    samples = [...samples.slice(-2), sum(processTree(pid))];
    if (samples.length === 3 && Math.max(...samples) - Math.min(...samples) < 1024) break;
  }
  return processTree(pid);
}

interface Started {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  readonly startedMs: number;
}

function startPlatform(command: string[], env: Record<string, string>): Promise<Started> {
  const echo = process.env.BENCH_LOG === "1";
  const t0 = Date.now();
  // detached: its own process group, so `npm start`'s children are the tree we measure and stop.
  const child = spawn(command[0], command.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  return new Promise((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (echo) process.stderr.write(`[${Date.now() - t0} ms] ${chunk.toString()}`);
      const match = /API and explorer: (\S+)/.exec(output);
      if (match) {
        child.stdout!.off("data", read);
        if (echo) child.stdout!.on("data", (more: Buffer) => process.stderr.write(`[${Date.now() - t0} ms] ${more.toString()}`));
        child.stdout!.resume();
        resolve({ child, apiUrl: match[1], startedMs: Date.now() - t0 });
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`the platform exited (${code}) before it started:\n${output}`)));
  });
}

async function stopPlatform(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid!, "SIGTERM");
  await exited;
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

function get(port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end();
  });
}

async function main(): Promise<void> {
  // What `npm start` does first: build unless dist is current with the sources.
  execFileSync(process.execPath, [join(root, "scripts", "build-if-stale.mjs")], { cwd: root, stdio: "inherit" });
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
  let running: Started | null = null;
  let client: DeisClient | null = null;
  const apps: string[] = [];
  try {
    // The node flags of `npm start` (package.json's start script), without npm's own process.
    const start = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start.split(/\s+/);
    running = await startPlatform([process.execPath, ...start.slice(1)], env);
    console.log(`bench/footprint: ${start.join(" ")} (embedded defaults${process.env.DEIS_EMBEDDED_DATABASE ? `, DEIS_EMBEDDED_DATABASE=${process.env.DEIS_EMBEDDED_DATABASE}` : ""}), up in ${running.startedMs} ms`);
    const anonymous = createDeisClient({ url: running.apiUrl });
    const { register } = await anonymous.sdk.Register({ input: { username: "bench", password: "bench-password" } });
    await anonymous.close();
    client = createDeisClient({ url: running.apiUrl, token: register.token });
    const idle = report("idle, no apps", await settled(running.child.pid!), IDLE_GOAL_MB);

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
      if ((await get(routerPort, `${app}.localhost`)) !== 200) throw new Error(`${app} does not answer through the router`);
    }
    const withApps = report(`${APPS} apps deployed`, await settled(running.child.pid!), APPS_GOAL_MB);
    await client.close();
    client = null;

    // Restart as a user does: SIGTERM, then `npm start` (prestart skips the build when dist is current).
    await stopPlatform(running.child);
    running = null;
    const t0 = Date.now();
    running = await startPlatform(["npm", "start", "--silent"], env);
    const host = `${apps[0]}.localhost`;
    while ((await get(routerPort, host)) !== 200) await new Promise((resolve) => setTimeout(resolve, 25));
    const restartMs = Date.now() - t0;
    console.log(`restart: npm start printed its addresses after ${running.startedMs} ms`);
    console.log(`restart: npm start to ${host} answering through the router in ${restartMs} ms (goal ${RESTART_GOAL_MS} ms, ratio ${(restartMs / RESTART_GOAL_MS).toFixed(2)}: ${restartMs <= RESTART_GOAL_MS ? "met" : "MISSED"})`);
    if (!SMOKE) process.exitCode = idle <= IDLE_GOAL_MB && withApps <= APPS_GOAL_MB && restartMs <= RESTART_GOAL_MS ? 0 : 1;
  } finally {
    await client?.close();
    if (running) await stopPlatform(running.child);
    for (const container of await engine.listContainers([`deis.platform=${platformId}`])) await engine.removeContainer(container.id);
    for (const app of apps) await engine.removeImages(`deis-apps/${app}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
