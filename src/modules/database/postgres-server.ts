import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";

/** Where the host's PostgreSQL server binaries are (Debian's `postgresql` package), newest first. */
export function findPostgresBinaries(): { initdb: string; postgres: string; version: number } | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => b - a);
  for (const version of versions) {
    const bin = join(root, String(version), "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "postgres"))) {
      return { initdb: join(bin, "initdb"), postgres: join(bin, "postgres"), version };
    }
  }
  return null;
}

export interface RunningPostgresServer {
  /** The unix socket's directory (node-postgres connects through it when given as host). */
  readonly socketDir: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** The postmaster's PID; its backends are its children. */
  readonly pid: number;
  /** Fast shutdown (SIGINT), then waits for the postmaster to exit. */
  stop(): Promise<void>;
}

export class PostgresServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PostgresServerError";
  }
}

const USER = "deis";
const DATABASE = "deis";
const PORT = 5432; // only names the socket file: TCP is off (listen_addresses='')

/**
 * Settings of a small, single-host server: one client (the platform) with a small pool, no TCP,
 * memory kept to what a few tables need. Durability stays on (fsync, synchronous commits).
 */
const SETTINGS: Record<string, string> = {
  listen_addresses: "",
  max_connections: "20",
  superuser_reserved_connections: "1",
  shared_buffers: "8MB",
  work_mem: "2MB",
  maintenance_work_mem: "16MB",
  temp_buffers: "2MB",
  wal_buffers: "512kB",
  max_wal_size: "64MB",
  min_wal_size: "32MB",
  wal_level: "minimal",
  max_wal_senders: "0",
  max_worker_processes: "1",
  max_parallel_workers: "0",
  max_parallel_workers_per_gather: "0",
  max_parallel_maintenance_workers: "0",
  max_logical_replication_workers: "0",
  max_sync_workers_per_subscription: "0",
  autovacuum_max_workers: "1",
  jit: "off",
  huge_pages: "off",
  dynamic_shared_memory_type: "posix",
  logging_collector: "off",
  log_min_messages: "warning",
  log_checkpoints: "off",
  unix_socket_permissions: "0700",
};

/**
 * PostgreSQL refuses to run as root. As root we run it in a user namespace as an unprivileged id
 * that maps back to root outside: it owns the data dir (root's, under the data dir) and nothing
 * more. `unshare` execs the server, so the PID we hold is the postmaster's.
 */
function command(binary: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [binary, args];
  return ["unshare", ["--user", "--map-user=1000", "--map-group=1000", binary, ...args]];
}

/** Running, and not a zombie waiting for an init that may never reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** A postmaster left running by a platform that was killed: stopped by the PID in its lock file. */
async function stopLeftover(dataDir: string): Promise<void> {
  const lock = join(dataDir, "postmaster.pid");
  if (!existsSync(lock)) return;
  const pid = Number(readFileSync(lock, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return;
  }
  if (!cmdline.includes(dataDir)) return; // the PID was reused by something else
  process.kill(pid, "SIGINT");
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** A short, private folder for the socket when the data dir's path is too long for one (107 bytes). */
function socketDirFor(dataDir: string): string {
  if (join(dataDir, `.s.PGSQL.${PORT}`).length < 100) return dataDir;
  return mkdtempSync(join(tmpdir(), "deis-pg-"));
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Runs the host's PostgreSQL server as a child process with its data in `dataDir` (made by initdb
 * on the first start, found again on the next), reachable only through a unix socket in a folder
 * only this user can open. Resolves once it accepts connections.
 */
export async function startPostgresServer(dataDir: string): Promise<RunningPostgresServer> {
  const binaries = findPostgresBinaries();
  if (!binaries) throw new PostgresServerError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = join(dataDir, "..", "postgres.log");
  const versionFile = join(dataDir, "PG_VERSION");
  if (existsSync(versionFile)) {
    const version = Number(readFileSync(versionFile, "utf8").trim());
    if (version !== binaries.version) {
      throw new PostgresServerError(`the data in ${dataDir} is PostgreSQL ${version}'s, the installed server is ${binaries.version}`);
    }
  } else {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const [file, args] = command(binaries.initdb, ["-D", dataDir, "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions"]);
    try {
      execFileSync(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
      rmSync(dataDir, { recursive: true, force: true });
      throw new PostgresServerError(`initdb failed: ${stderr.trim() || (error as Error).message}`);
    }
    // Only the local socket, and only for this user (the socket's folder is private).
    writeFileSync(join(dataDir, "pg_hba.conf"), "local all all trust\n");
  }
  await stopLeftover(dataDir);
  const socketDir = socketDirFor(dataDir);
  const settings = { ...SETTINGS, unix_socket_directories: socketDir, port: String(PORT) };
  const args = ["-D", dataDir, ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`])];
  const [file, spawnArgs] = command(binaries.postgres, args);
  const log = openSync(logFile, "a");
  const child = spawn(file, spawnArgs, { stdio: ["ignore", log, log] });
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new PostgresServerError(`PostgreSQL did not start: ${error.message}`)));
    child.once("exit", (code, signal) => reject(new PostgresServerError(`PostgreSQL exited (${code ?? signal}) while starting; see ${logFile}`)));
  });
  failed.catch(() => undefined);
  // Ends the server with the platform even when the platform exits without stopping it.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  };
  process.once("exit", onExit);
  const stop = async () => {
    process.off("exit", onExit);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    await exited(child);
    if (socketDir !== dataDir) rmSync(socketDir, { recursive: true, force: true });
  };
  try {
    await Promise.race([failed, ready(socketDir)]);
    await Promise.race([failed, ensureDatabase(socketDir)]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { socketDir, port: PORT, user: USER, database: DATABASE, pid: child.pid!, stop };
}

/** Waits until the server accepts a connection (it may be replaying its WAL first). */
async function ready(socketDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new Client({ host: socketDir, port: PORT, user: USER, database: "postgres" });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new PostgresServerError(`PostgreSQL does not accept connections: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function ensureDatabase(socketDir: string): Promise<void> {
  const client = new Client({ host: socketDir, port: PORT, user: USER, database: "postgres" });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}
