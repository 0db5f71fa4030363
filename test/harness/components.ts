import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { startRegistry } from "../../src/modules/registry";
import { findBinary, freePort, isRoot, postgresBinDir, run, startDaemon, stopPid, waitForPort } from "./processes";
import { scaled } from "./time";

/** A running component of the platform that the harness started and will stop. */
export interface Component {
  readonly name: string;
  stop(): Promise<void>;
}

/** A throwaway PostgreSQL cluster on a free loopback port (initdb + pg_ctl; as `postgres` when root). */
export async function startPostgres(dir: string): Promise<Component & { url: string; start(): Promise<void>; pids(): number[] }> {
  const bin = postgresBinDir();
  const user = isRoot() ? "postgres" : undefined;
  mkdirSync(dir, { recursive: true });
  if (user) run("chown", [user, dir]);
  const data = join(dir, "data");
  const port = await freePort();
  run(join(bin, "initdb"), ["-D", data, "--auth=trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], user);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=400",
  ].join(" ");
  const start = () =>
    run(join(bin, "pg_ctl"), ["-D", data, "-o", options, "-l", join(dir, "postgres.log"), "-w", "-t", String(Math.ceil(scaled(60_000) / 1000)), "start"], user);
  start();
  return {
    name: "postgresql",
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    /** Starts it again after `stop`, on the same port with the same data (fault tests). */
    async start() {
      start();
    },
    /** The postmaster's PID and its children's (the backends), for fault tests that pause the server. */
    pids() {
      const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      const children = readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .filter((pid) => {
          try {
            // Field 4 of /proc/<pid>/stat is the parent; the command name (field 2) may hold spaces.
            return Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1]) === postmaster;
          } catch {
            return false; // it exited meanwhile
          }
        })
        .map(Number);
      return [postmaster, ...children];
    },
    async stop() {
      run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], user);
    },
  };
}

/** redis-server on a free loopback port, or on `port` (a restart of an earlier one); `pid` for fault tests. */
export async function startRedis(dir: string, port?: number): Promise<Component & { url: string; port: number; pid: number }> {
  const binary = findBinary("redis-server", "redis-server");
  mkdirSync(dir, { recursive: true });
  port ??= await freePort();
  const log = join(dir, "redis.log");
  const child = startDaemon(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "yes"],
    log,
  );
  await waitForPort(port, 15_000, "redis-server", log);
  return {
    name: "redis",
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async stop() {
      stopPid(child.pid);
    },
  };
}

export interface EtcdPorts {
  readonly client: number;
  readonly peer: number;
}

/**
 * etcd on free loopback ports with its data in `dir`. Given the `ports` and `dir` of an earlier
 * run, it starts again on the same address with the same data (a restart).
 */
export async function startEtcd(
  dir: string,
  ports?: EtcdPorts,
): Promise<Component & { endpoints: string; ports: EtcdPorts; /** Its process (fault tests pause it). */ pid: number }> {
  const binary = findBinary("etcd", "etcd-server");
  mkdirSync(dir, { recursive: true });
  const [clientPort, peerPort] = ports ? [ports.client, ports.peer] : [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const log = join(dir, "etcd.log");
  const child = startDaemon(
    binary,
    [
      "--name", "test",
      "--data-dir", join(dir, "data"),
      "--listen-client-urls", client,
      "--advertise-client-urls", client,
      "--listen-peer-urls", peer,
      "--initial-advertise-peer-urls", peer,
      "--initial-cluster", `test=${peer}`,
      "--unsafe-no-fsync",
    ],
    log,
  );
  await waitForPort(clientPort, 20_000, "etcd", log);
  return {
    name: "etcd",
    endpoints: client,
    ports: { client: clientPort, peer: peerPort },
    pid: child.pid!,
    async stop() {
      stopPid(child.pid);
    },
  };
}

/** Debian's docker-registry (Docker Distribution) on a free loopback port, storage in `dir`. */
export async function startDockerRegistry(dir: string): Promise<Component & { url: string }> {
  const registry = await startRegistry(dir, "127.0.0.1", await freePort());
  return { name: "docker-registry", url: registry.url, stop: () => registry.stop() };
}
