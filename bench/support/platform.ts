import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PlatformConfig, loadConfig } from "../../src/core/config";
import { createLogger } from "../../src/core/logger";
import { type Platform, startPlatform } from "../../src/platform";
import { type DeisClient, createDeisClient } from "../../src/sdk/client";
import { prepareDocker } from "../../test/harness/docker";
import { removePlatformLeftovers } from "../../test/harness/leftovers";
import { freePort } from "../../test/harness/processes";

export interface BenchPlatform {
  readonly platform: Platform;
  readonly config: PlatformConfig;
  /** A registered user's SDK client. */
  readonly client: DeisClient;
  /** Stops the platform and removes what it ran: containers, release images, its data. */
  stop(): Promise<void>;
}

/**
 * The whole platform in this process for a benchmark: embedded database, its own data folder and
 * free ports, the test images built; `env` adds to the configuration (e.g. REDIS_URL).
 * BENCH_LOG_LEVEL (default warn) sets the platform's log level, e.g. debug to follow a push's steps.
 */
export async function startBenchPlatform(env: Record<string, string> = {}): Promise<BenchPlatform> {
  const root = mkdtempSync(join(tmpdir(), "bench-"));
  await prepareDocker();
  const config = loadConfig({
    DEIS_DATA_DIR: root,
    DEIS_PORT: "0",
    DEIS_ROUTER_PORT: String(await freePort()),
    DEIS_ROUTER_HTTPS_PORT: "off",
    DEIS_BUILDER_PORT: String(await freePort()),
    DEIS_SYSLOG_PORT: "off",
    DEIS_PLATFORM_ID: `bench-${process.pid}`,
    ...env,
  });
  const platform = await startPlatform(config, { database: {}, log: createLogger(process.env.BENCH_LOG_LEVEL ?? "warn") });
  const anonymous = createDeisClient({ url: platform.api.url });
  const { register } = await anonymous.sdk.Register({ input: { username: "bench", password: "bench-password" } });
  await anonymous.close();
  const client = createDeisClient({ url: platform.api.url, token: register.token });
  return {
    platform,
    config,
    client,
    async stop() {
      await client.close();
      const apps: { name: string }[] = await platform.dataSource.query(`SELECT name FROM apps`);
      await platform.services.deploys.settled();
      await platform.stop();
      await removePlatformLeftovers(platform.runtime.engine, config.platformId, apps.map((a) => a.name), config.registryUrl);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Waits until a release has left PENDING; returns its status. */
export async function deployed(client: DeisClient, app: string, version: number): Promise<string> {
  for (;;) {
    const { release } = await client.sdk.Release({ app, version });
    if (release.status !== "PENDING") return release.status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
