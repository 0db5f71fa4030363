import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { delimiter, join } from "node:path";
import type { Logger } from "../../../core/logger";

/** Where Debian's nginx package puts the binary; then PATH. */
const DEFAULT_BINARY = "/usr/sbin/nginx";
/** How long a graceful stop (SIGQUIT: requests in flight finish) may take before SIGTERM. */
const STOP_GRACE_MS = 5_000;
/** How long a start or reload may take to serve its configuration. */
const SERVE_TIMEOUT_MS = 15_000;
/** How long `settled` waits for the workers of an older configuration to finish (websockets may hold them). */
const OLD_WORKERS_WAIT_MS = 2_000;
const RESTART_DELAY_MS = 1_000;

/** The nginx binary: the configured path, else /usr/sbin/nginx, else `nginx` on PATH; null when none runs. */
export function findNginxBinary(configured: string | null): string | null {
  const candidates = configured ? [configured] : [DEFAULT_BINARY, ...(process.env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, "nginx"))];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

/** The dynamic modules the balancer needs (lua.ts), in load order. */
const LUA_MODULES = ["ndk_http_module.so", "ngx_http_lua_module.so"];
const LUA_PACKAGE_HINT = "the nginx engine needs nginx's Lua module: apt-get install -y libnginx-mod-http-lua";

/**
 * The `load_module` paths that give `binary` the Lua module: Debian's dynamic modules in the binary's
 * modules path (`nginx -V`), none when the binary has it built in (OpenResty). Throws naming the package when neither.
 */
export function findLuaModules(binary: string): string[] {
  // nginx -V prints its build (configure arguments included) on stderr.
  const version = spawnSync(binary, ["-V"], { encoding: "utf8", timeout: 10_000 });
  const built = `${version.stdout ?? ""}${version.stderr ?? ""}`;
  const modulesPath = /--modules-path=(\S+)/.exec(built)?.[1] ?? "/usr/lib/nginx/modules";
  const dynamic = LUA_MODULES.map((file) => join(modulesPath, file));
  if (dynamic.every((file) => existsSync(file))) return dynamic;
  if (/--add-module=\S*lua-nginx-module/.test(built)) return [];
  throw new Error(`${LUA_PACKAGE_HINT} (no ${dynamic.join(" or ")})`);
}

export interface NginxProcessOptions {
  readonly binary: string;
  /** nginx's prefix (-p): its configuration, pid file, error log and temp files. */
  readonly prefix: string;
  /** The loopback port the configuration answers its generation on. */
  readonly controlPort: number;
  /** Worker processes the configuration asks for, to know when a reload's old workers are gone. */
  readonly workers: number;
  readonly log: Logger;
  /** Called when a master that died has been started again (its shared memory, the backends, is new). */
  readonly onRestart?: () => void;
}

/**
 * One nginx master process, run in the foreground (`daemon off`) as the router's child and stopped
 * by its PID. Configurations are written whole, validated with `nginx -t` on a candidate file and
 * only then put in place and loaded with SIGHUP: a configuration nginx refuses never replaces the
 * one serving. A master that dies is started again with the last good configuration.
 */
export class NginxProcess {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  /** The generation of the configuration in place (validated and loaded, or being loaded). */
  private generation = 0;

  constructor(private readonly options: NginxProcessOptions) {}

  get configFile(): string {
    return join(this.options.prefix, "nginx.conf");
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get controlPort(): number {
    return this.options.controlPort;
  }

  /** Sends the master a signal (SIGUSR1: reopen the log files); nothing when it is not running. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid !== undefined && this.child?.exitCode === null) process.kill(pid, signal);
  }

  /** Validates and starts the first configuration; resolves once nginx serves it. */
  async start(config: string, generation: number): Promise<void> {
    await mkdir(this.options.prefix, { recursive: true, mode: 0o700 });
    await this.stopStale();
    const problem = await this.validate(config);
    if (problem !== null) throw new Error(`nginx refused the router's configuration: ${problem}`);
    await rename(this.candidateFile, this.configFile);
    this.generation = generation;
    this.spawn();
    await this.serving(generation);
  }

  /**
   * Puts a new configuration in place and reloads nginx gracefully; returns null once nginx serves
   * it, or what nginx said when it refused it (the configuration serving stays).
   */
  async apply(config: string, generation: number): Promise<string | null> {
    const problem = await this.validate(config);
    if (problem !== null) return problem;
    await rename(this.candidateFile, this.configFile);
    this.generation = generation;
    const pid = this.child?.pid;
    if (pid !== undefined) process.kill(pid, "SIGHUP");
    // Until the old workers have stopped accepting, a new connection may still reach one.
    await this.settled();
    return null;
  }

  /** Resolves once nginx answers the configuration in place (throws after a while when it does not). */
  ready(): Promise<void> {
    return this.serving(this.generation);
  }

  /** Resolves once nginx answers the configuration in place and its older workers are gone (briefly bounded). */
  async settled(): Promise<void> {
    await this.serving(this.generation);
    const pid = this.child?.pid;
    if (pid === undefined) return;
    const deadline = Date.now() + OLD_WORKERS_WAIT_MS;
    while (Date.now() < deadline && childCount(pid) > this.options.workers) await sleep(20);
  }

  /** Graceful stop by PID (SIGQUIT), then SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const pid = child.pid;
    for (const signal of ["SIGQUIT", "SIGTERM"] as const) {
      process.kill(pid, signal);
      if (await within(exited, STOP_GRACE_MS)) return;
    }
    process.kill(pid, "SIGKILL");
    await exited;
  }

  /**
   * A master left running on this prefix by a router that died without stopping it (its pid file,
   * and its command line naming the prefix) holds the ports: stop it by its PID first.
   */
  private async stopStale(): Promise<void> {
    let pid: number;
    try {
      pid = Number(readFileSync(join(this.options.prefix, "nginx.pid"), "utf8").trim());
      const command = commandOf(pid);
      if (!Number.isInteger(pid) || pid <= 1 || !command.startsWith("nginx: master") || !command.includes(` ${this.options.prefix} `)) return;
    } catch {
      return;
    }
    this.options.log.warn({ pid }, "stopping the nginx a previous router left running");
    const gone = async () => {
      for (let i = 0; i < STOP_GRACE_MS / 20; i++) {
        if (!alive(pid)) return true;
        await sleep(20);
      }
      return false;
    };
    process.kill(pid, "SIGQUIT");
    if (await gone()) return;
    process.kill(pid, "SIGKILL");
    await gone();
  }

  private get candidateFile(): string {
    return join(this.options.prefix, "nginx.conf.candidate");
  }

  /** Writes the candidate (0600: it holds private keys) and runs `nginx -t` on it; null when nginx takes it. */
  private async validate(config: string): Promise<string | null> {
    await writeFile(this.candidateFile, config, { mode: 0o600 });
    return new Promise((resolve) => {
      execFile(
        this.options.binary,
        ["-t", "-q", "-p", this.options.prefix, "-e", join(this.options.prefix, "error.log"), "-c", this.candidateFile],
        { timeout: 30_000 },
        (error, _stdout, stderr) => resolve(error ? (stderr.trim() || error.message).slice(0, 2_000) : null),
      );
    });
  }

  private spawn(): void {
    const child = spawn(
      this.options.binary,
      ["-p", this.options.prefix, "-e", join(this.options.prefix, "error.log"), "-c", this.configFile, "-g", "daemon off;"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    this.child = child;
    child.stderr?.setEncoding("utf8").on("data", (text: string) => this.options.log.warn({ nginx: text.trim().slice(0, 500) }, "nginx said"));
    child.on("error", (error) => this.options.log.error({ err: error }, "nginx failed to start"));
    child.once("exit", (code, signal) => {
      if (this.stopping) return;
      this.options.log.error({ pid: child.pid, code, signal }, "nginx exited; starting it again with the last good configuration");
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.stopping) return;
        void this.stopOrphans().finally(() => {
          if (this.stopping) return;
          this.spawn();
          this.options.onRestart?.();
        });
      }, RESTART_DELAY_MS);
      this.restartTimer.unref();
    });
    this.options.log.info({ pid: child.pid, prefix: this.options.prefix }, "nginx started");
  }

  /**
   * Workers outlive a master killed outright and keep its listening sockets (so a new master cannot
   * bind): every nginx process still holding the control port's socket, which only this router's
   * nginx listens on, is stopped (SIGTERM, then SIGKILL).
   */
  private async stopOrphans(): Promise<void> {
    const orphans = listeningHolders(this.options.controlPort).filter((pid) => commandOf(pid).startsWith("nginx:"));
    if (orphans.length === 0) return;
    this.options.log.warn({ pids: orphans }, "stopping the workers the dead nginx master left");
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      for (const pid of orphans.filter(alive)) {
        try {
          process.kill(pid, signal);
        } catch {
          // gone meanwhile
        }
      }
      for (let i = 0; i < STOP_GRACE_MS / 20 && orphans.some(alive); i++) await sleep(20);
      if (!orphans.some(alive)) return;
    }
  }

  /** Polls the control port until it answers `generation` (or a later one). */
  private async serving(generation: number): Promise<void> {
    const deadline = Date.now() + SERVE_TIMEOUT_MS;
    for (;;) {
      const answered = await askGeneration(this.options.controlPort);
      if (answered !== null && answered >= generation) return;
      if (this.stopping) return;
      if (Date.now() > deadline) throw new Error(`nginx did not serve configuration ${generation} within ${SERVE_TIMEOUT_MS} ms`);
      await sleep(10);
    }
  }
}

function askGeneration(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 1_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(/^\d+$/.test(body) ? Number(body) : null));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
    req.end();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes holding a listening TCP socket on `port` (Linux /proc, this network namespace). */
function listeningHolders(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 the socket's inode.
      if (fields.length > 9 && fields[3] === "0A" && parseInt(fields[1].split(":")[1], 16) === port) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return [];
  const holders: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`))?.[1] ?? "");
      } catch {
        return false;
      }
    });
    if (holds) holders.push(Number(entry));
  }
  return holders;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The processes whose parent is `pid` (Linux /proc); 0 when it cannot tell. */
function childCount(pid: number): number {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** True when `promise` settles within `ms` (its timer cleared either way). */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
