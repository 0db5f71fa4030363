import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RegistryClient } from "./registry-client";

export interface RunningRegistry {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const BINARIES = ["/usr/bin/docker-registry", "/usr/local/bin/docker-registry", "/usr/bin/registry"];

/**
 * Starts a Docker Distribution registry (Debian's `docker-registry`) on `host:port` with its
 * storage in `dir`, deletes enabled, no auth: for loopback only. Resolves once it answers.
 */
export async function startRegistry(dir: string, host: string, port: number): Promise<RunningRegistry> {
  const binary = BINARIES.find((path) => existsSync(path));
  if (!binary) throw new Error("the Docker registry is not installed: apt-get install -y docker-registry");
  mkdirSync(join(dir, "storage"), { recursive: true });
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "storage")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: ${host}:${port}`,
      "",
    ].join("\n"),
  );
  const log = openSync(join(dir, "registry.log"), "a");
  const child: ChildProcess = spawn(binary, ["serve", config], { stdio: ["ignore", log, log] });
  const url = `http://${host}:${port}`;
  const client = new RegistryClient(url);
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await client.ping();
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill();
        throw new Error(`the registry did not start on ${url} (see ${join(dir, "registry.log")}): ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
