import { randomBytes } from "node:crypto";
import { type PlatformConfig, loadConfig } from "../../src/core/config";
import type { Topic } from "../../src/modules/cache";
import { type Platform, startPlatform } from "../../src/platform";
import { type DeisClient, createDeisClient } from "../../src/sdk/client";
import { type TestDatabase, createTestDatabase } from "./database";
import { testEnv } from "./env";
import { removePlatformLeftovers } from "./leftovers";
import { freePort } from "./processes";
import { countSubscriptions } from "./subscriptions";
import { scaled } from "./time";
import { eventually } from "./wait";

export type Backend = "postgres" | "embedded";

export interface TestPlatform {
  readonly platform: Platform;
  readonly url: string;
  readonly backend: Backend;
  /** An SDK client, logged in when a token is given. */
  client(token?: string | null): DeisClient;
  /** Registers a user and returns a logged-in client and the token. */
  signUp(username: string, password?: string): Promise<{ client: DeisClient; token: string }>;
  /** Live subscriptions to a topic this platform process holds, counted since it started (wait on it before publishing). */
  subscribers(topic: Topic<unknown>): number;
  /**
   * Stops this platform process only (a controller going away): its database and Redis prefix stay
   * for platforms started `sharing` it; `stop()` afterwards cleans up what it left.
   */
  stopController(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestPlatformOptions {
  readonly backend?: Backend;
  /** Extra environment for loadConfig (e.g. DEIS_REGISTRATION_MODE). */
  readonly env?: Record<string, string>;
  /** Share another platform's database and Redis prefix: a second controller process of the same platform. */
  readonly sharing?: TestPlatform;
  /** A PostgreSQL of the test's own (a fault test stops it) instead of a database on the harness's. */
  readonly databaseUrl?: string;
}

interface Shared {
  database: TestDatabase | null;
  prefix: string;
}

const shared = new WeakMap<TestPlatform, Shared>();

/**
 * Boots the whole platform in this process on a free port: on the harness's PostgreSQL (a database
 * of its own) and Redis (a key prefix of its own), or embedded (in-memory PGlite, in-process cache).
 */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const backend = options.sharing?.backend ?? options.backend ?? "postgres";
  const reuse = options.sharing ? shared.get(options.sharing) : undefined;
  const database = reuse
    ? reuse.database
    : options.databaseUrl
      ? { url: options.databaseUrl, drop: async () => undefined }
      : backend === "postgres"
        ? await createTestDatabase()
        : null;
  const prefix = reuse?.prefix ?? `test:${randomBytes(4).toString("hex")}:`;
  const configure = async (): Promise<PlatformConfig> =>
    loadConfig({
      DEIS_PORT: "0",
      DEIS_HOST: "127.0.0.1",
      DEIS_DATA_DIR: `${testEnv.root}/data-${prefix.replace(/:/g, "")}`,
      DEIS_PLATFORM_ID: `test-${prefix.split(":")[1]}`,
      DEIS_BUILDER_PORT: String(await freePort()),
      DEIS_ROUTER_PORT: String(await freePort()),
      DEIS_SYSLOG_PORT: String(await freePort()),
      DEIS_ROUTER_HTTPS_PORT: "0",
      DEIS_DRAIN_SECONDS: "1",
      // Looser than the 1.5 s default: on a loaded test machine a healthy Redis or PostgreSQL can be
      // that slow to answer. test/faults sets the default back to show the bound.
      DEIS_COMPONENT_TIMEOUT_MS: String(scaled(5000)),
      ...(backend === "postgres"
        ? {
            DATABASE_URL: database!.url,
            REDIS_URL: testEnv.redisUrl,
            ETCD_ENDPOINTS: testEnv.etcdEndpoints,
            ETCD_NAMESPACE: `/${prefix.replace(/:/g, "-")}`,
            REGISTRY_URL: testEnv.registryUrl,
          }
        : {}),
      ...options.env,
    });
  // The ports are free when picked, but something else on the machine (a container's published port,
  // another test) may take one before the platform binds it: pick again then.
  let platform: Platform | undefined;
  for (let attempt = 1; !platform; attempt++) {
    try {
      platform = await startPlatform(await configure(), {
        database: backend === "postgres" ? { url: database!.url, poolSize: 5 } : {},
        cachePrefix: prefix,
      });
    } catch (error) {
      if (attempt >= 3 || !String((error as Error)?.message ?? error).includes("EADDRINUSE")) throw error;
    }
  }
  // Lines sent before the log server leads are not stored (no one takes them in yet): tests that read
  // an app's first lines start once it leads, which its syslog receiver's port says.
  const started = platform;
  if (!options.sharing && started.config.syslogPort !== null) {
    await eventually("the log server to lead", async () => (started.logServer.syslogPort !== null ? true : undefined));
  }
  const subscribers = countSubscriptions(platform.cache.events);
  const clients: DeisClient[] = [];
  let stoppedApps: string[] | null = null;
  const stopController = async () => {
    if (stoppedApps) return;
    for (const c of clients) await c.close();
    const apps: { name: string }[] = await platform.dataSource.query(`SELECT name FROM apps`);
    stoppedApps = apps.map((a) => a.name);
    await platform.stop();
  };
  const client = (token?: string | null) => {
    const made = createDeisClient({ url: platform.api.url, token });
    clients.push(made);
    return made;
  };
  const result: TestPlatform = {
    platform,
    url: platform.api.url,
    backend,
    client,
    subscribers,
    async signUp(username, password = "correct-horse-battery") {
      const { register } = await client().sdk.Register({ input: { username, password } });
      return { client: client(register.token), token: register.token };
    },
    stopController,
    async stop() {
      await stopController();
      if (!options.sharing) await removePlatformLeftovers(platform.runtime.engine, platform.config.platformId, stoppedApps ?? [], platform.config.registryUrl);
      if (!options.sharing) await database?.drop();
    },
  };
  shared.set(result, { database, prefix });
  return result;
}
