import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { scaled } from "./time";

export interface PlatformProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything it wrote to stdout so far. */
  stdout(): string;
  /** SIGKILL: the controller dies mid-work, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

const root = join(__dirname, "..", "..");

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** The API's URL from `up`'s output: its stdout is a pipe, so the banner is a JSON log line with it in "api". */
export function bannerApiUrl(output: string): string | null {
  return /"api":"([^"]+)"/.exec(output)?.[1] ?? null;
}

/**
 * The platform as its own OS process (`src/main.ts up` with tsx's loader), for tests that kill a
 * controller. Resolves once it says it is up (its API URL).
 */
export async function startPlatformProcess(env: Record<string, string>): Promise<PlatformProcess> {
  // node itself with tsx's loader (not the tsx wrapper), so the PID is the controller's own.
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "main.ts"), "up"], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: process.env.LOG === "1" ? "info" : "warn", DEIS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the platform did not start within ${scaled(60_000) / 1000} s:\n${output}`)), scaled(60_000));
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const api = bannerApiUrl(output);
      if (api) {
        clearTimeout(timer);
        resolve(api);
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the platform exited (${code}) before it started:\n${output}`));
    });
  });
  if (process.env.LOG === "1") {
    child.stdout!.pipe(process.stderr);
    child.stderr!.pipe(process.stderr);
  } else {
    child.stdout!.resume();
    child.stderr!.resume();
  }
  return {
    url,
    pid: child.pid!,
    stdout: () => stdout,
    async kill() {
      child.kill("SIGKILL");
      await exited(child);
    },
    async stop() {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
}
