import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Component, startEtcd, startPostgres, startRedis } from "./components";
import { prepareDocker } from "./docker";

declare global {
  // Read back by global-teardown.ts (Jest runs both in the parent process).
  var __deisComponents: Component[] | undefined;
}

/**
 * Starts the real components every integration and e2e test talks to, on free loopback ports with
 * data in a temporary folder, and hands their addresses to the test files through the environment.
 * A missing component fails the run with the package to install.
 */
export default async function globalSetup(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "deis-test-"));
  chmodSync(root, 0o755); // PostgreSQL runs as its own user and must reach its folder
  const started: Component[] = [];
  globalThis.__deisComponents = started;
  try {
    const [postgres, redis, etcd] = await Promise.all([
      startPostgres(join(root, "postgres")),
      startRedis(join(root, "redis")),
      startEtcd(join(root, "etcd")),
      prepareDocker(),
    ]);
    started.push(postgres, redis, etcd);
    process.env.DEIS_TEST_ROOT = root;
    process.env.DEIS_TEST_POSTGRES_URL = postgres.url;
    process.env.DEIS_TEST_REDIS_URL = redis.url;
    process.env.DEIS_TEST_ETCD_ENDPOINTS = etcd.endpoints;
  } catch (error) {
    for (const component of started) await component.stop().catch(() => undefined);
    throw error;
  }
}
