/**
 * The platform as a user runs it (`node dist/main.js up`, or `npm start`), for benches that measure
 * it from outside: its process tree's memory, its start-up, requests through its router.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { bannerApiUrl } from "../../test/harness/platform-process";
import { benchNumber } from "./settings";

export const ROOT = join(__dirname, "..", "..");

export interface ProcessRss {
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

/** The process and all its descendants, parents first (Linux /proc); app containers are not descendants. */
export function treePids(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift()!;
    found.push(current);
    queue.push(...children(current));
  }
  return found;
}

/** The process and all its descendants, each with its VmRSS. */
export function processTree(pid: number): ProcessRss[] {
  const result: ProcessRss[] = [];
  for (const current of treePids(pid)) {
    try {
      const status = readFileSync(`/proc/${current}/status`, "utf8");
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const cmdline = readFileSync(`/proc/${current}/cmdline`, "utf8").split("\0").filter(Boolean);
      const name = cmdline.slice(0, 3).join(" ").replace(ROOT, ".").slice(0, 70);
      result.push({ pid: current, name, rssKb });
    } catch {
      // the process ended while we looked
    }
  }
  return result;
}

export const totalMb = (tree: readonly ProcessRss[]) => tree.reduce((sum, p) => sum + p.rssKb, 0) / 1024;

const SETTLE_SAMPLES = benchNumber("BENCH_SETTLE_SECONDS", 12, 3, 2);
const SETTLE_MAX_SECONDS = benchNumber("BENCH_SETTLE_MAX_SECONDS", 90, 20);

/** The process tree once its memory has settled (at most SETTLE_MAX_SECONDS). */
export async function settledTree(pid: number): Promise<ProcessRss[]> {
  // Settled: the total moved less than 1 MB over the last SETTLE_SAMPLES seconds (start-up's and the
  // last requests' database connections close after 5 s idle, so a shorter window catches them).
  let samples: number[] = [];
  for (let i = 0; i < SETTLE_MAX_SECONDS; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    samples = [...samples.slice(-(SETTLE_SAMPLES - 1)), totalMb(processTree(pid))];
    if (samples.length === SETTLE_SAMPLES && Math.max(...samples) - Math.min(...samples) < 1) break;
  }
  return processTree(pid);
}

/** What `npm start` does first: builds unless dist is current with the sources. */
export function buildIfStale(): void {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-if-stale.mjs")], { cwd: ROOT, stdio: "inherit" });
}

/** `npm start`'s command without npm: node, the start script's flags, dist/main.js up. */
export function startCommand(): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start.split(/\s+/);
  return [process.execPath, ...start.slice(1)];
}

export interface StartedPlatform {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  /** From spawning to the banner. */
  readonly startedMs: number;
}

/** Starts the platform (its own process group, so its whole tree is measured and stopped); resolves at its banner. */
export function startPlatformCommand(command: string[], env: Record<string, string>, onOutput?: (text: string) => void): Promise<StartedPlatform> {
  const echo = process.env.BENCH_LOG === "1";
  const t0 = Date.now();
  const child = spawn(command[0], command.slice(1), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  return new Promise((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (echo) process.stderr.write(`[${Date.now() - t0} ms] ${chunk.toString()}`);
      const apiUrl = bannerApiUrl(output);
      if (apiUrl) {
        child.stdout!.off("data", read);
        if (echo) child.stdout!.on("data", (more: Buffer) => process.stderr.write(`[${Date.now() - t0} ms] ${more.toString()}`));
        if (onOutput) child.stdout!.on("data", (more: Buffer) => onOutput(more.toString()));
        child.stdout!.resume();
        resolve({ child, apiUrl, startedMs: Date.now() - t0 });
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`the platform exited (${code}) before it started:\n${output}`)));
  });
}

/** SIGTERM to the platform's process group; resolves when it has exited. */
export async function stopPlatformCommand(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid!, "SIGTERM");
  await exited;
  // `npm start` exits before the platform under it has finished shutting down; wait for the whole group,
  // so nothing it still does (a reconciler pass starting a container) outlives the bench's clean-up.
  while (groupAlive(child.pid!)) await new Promise((resolve) => setTimeout(resolve, 50));
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** GET / through the router with a Host header; the status, or 0 when the connection failed. */
export function routerStatus(port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end();
  });
}

/**
 * Runs `cleanUp` once, at the end of the bench or when it is interrupted (Ctrl-C, the smoke run's
 * guard): the platform has its own process group and would outlive the bench, going on starting
 * containers that the next run then collides with. Interrupted, the bench exits 130 after cleaning up.
 * Returns the clean-up to call in the bench's `finally`.
 */
export function cleanUpOnExit(cleanUp: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the platform and removing its containers`);
    void once().finally(() => process.exit(130));
  };
  const once = () => {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    done ??= cleanUp().catch((error: unknown) => console.error("clean-up failed:", error));
    return done;
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  return once;
}
