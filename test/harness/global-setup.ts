import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Component, startDockerRegistry, startEtcd, startPostgres, startRedis } from "./components";
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
  const start = async <T extends Component>(component: Promise<T>): Promise<T> => {
    const running = await component;
    started.push(running);
    return running;
  };
  const results = await Promise.allSettled([
    start(startPostgres(join(root, "postgres"))),
    start(startRedis(join(root, "redis"))),
    start(startEtcd(join(root, "etcd"))),
    start(startDockerRegistry(join(root, "registry"))),
    prepareDocker(),
  ] as const);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) {
    for (const component of started) await component.stop().catch(() => undefined);
    throw failure.reason;
  }
  const [postgres, redis, etcd, registry] = results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    { url: string },
    { url: string },
    { endpoints: string },
    { url: string },
  ];
  process.env.DEIS_TEST_ROOT = root;
  process.env.DEIS_TEST_POSTGRES_URL = postgres.url;
  process.env.DEIS_TEST_REDIS_URL = redis.url;
  process.env.DEIS_TEST_ETCD_ENDPOINTS = etcd.endpoints;
  process.env.DEIS_TEST_REGISTRY_URL = registry.url;
}
