import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, openSync, readdirSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { scaled } from "./time";

/** Why the test run cannot start, with the command that fixes it. */
export class MissingComponentError extends Error {
  constructor(component: string, packageName: string) {
    super(
      `${component} is not installed. Install it with: apt-get install -y ${packageName}\n` +
        "(or run `npm run test:all`, which installs everything the tests need)",
    );
    this.name = "MissingComponentError";
  }
}

/** The absolute path of a program on PATH (or in extra folders), or a clear error naming its package. */
export function findBinary(name: string, packageName: string, extraDirs: string[] = []): string {
  const dirs = [...extraDirs, ...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new MissingComponentError(name, packageName);
}

/** PostgreSQL's server binaries live in a versioned folder on Debian. */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new MissingComponentError("PostgreSQL (initdb, pg_ctl)", "postgresql");
  return join(root, versions[0], "bin");
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number, what: string, logFile?: string): Promise<void> {
  const deadline = Date.now() + scaled(timeoutMs);
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} did not start listening on 127.0.0.1:${port} within ${scaled(timeoutMs)} ms${logFile ? ` (see ${logFile})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a server process with its output in a log file; the caller stops it by PID. */
export function startDaemon(binary: string, args: string[], logFile: string, asUser?: string): ChildProcess {
  const out = openSync(logFile, "a");
  const [command, commandArgs] = asUser ? ["runuser", ["-u", asUser, "--", binary, ...args]] : [binary, args];
  const child = spawn(command, commandArgs, { stdio: ["ignore", out, out], detached: false });
  child.unref();
  return child;
}

export function stopPid(pid: number | undefined, signal: NodeJS.Signals = "SIGTERM"): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** True while a process with this PID exists (signal 0 checks without signalling). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export function run(command: string, args: string[], asUser?: string): string {
  const [cmd, cmdArgs] = asUser && isRoot() ? ["runuser", ["-u", asUser, "--", command, ...args]] : [command, args];
  return execFileSync(cmd, cmdArgs, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
