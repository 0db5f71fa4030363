import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hostname } from "node:os";
import type { DataSource } from "typeorm";
import type { PlatformConfig } from "./core/config";
import { type Logger, createLogger } from "./core/logger";
import { type Cache, openCache } from "./modules/cache";
import { CronScheduler, HookDispatcher, HookSender, type Services, builderFace, createServices, databaseCronJobs, logFace } from "./modules/controller";
import { type RunningApiServer, startApiServer } from "./server/api-server";
import { type DatabaseOptions, openDatabase, openPlatformDatabase } from "./modules/database";
import { type DiscoveryStore, openDiscovery } from "./modules/discovery";
import { type Runtime, createRuntime } from "./modules/runtime";
import { BridgeFirewall, DockerEngine, ImageNames, ImagePolicy, STACK_IMAGE } from "./modules/docker";
import { RegistryClient, startRegistry } from "./modules/registry";
import { type RunningBuilder, startBuilder } from "./modules/builder";
import { type RunningRouter, loadDefaultCertificate, publishRequestLine, startRouter } from "./modules/proxy";
import { DrainGuard, LogServer, LogStore, drainPolicyOf } from "./modules/logger";
import { memoryBytes, nanoCpus } from "./core/units";
import { buildApiSchema } from "./resolvers";
import { PlatformMetrics, RouterMetrics } from "./modules/metrics";

export const PLATFORM_VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }
).version;

export interface PlatformOptions {
  /** Overrides how the database is opened (tests use a per-file database or in-memory PGlite). */
  readonly database?: DatabaseOptions;
  /** Prefix of Redis keys and channels (tests give each file its own). */
  readonly cachePrefix?: string;
  readonly log?: Logger;
}

export interface Platform {
  readonly config: PlatformConfig;
  readonly log: Logger;
  readonly dataSource: DataSource;
  readonly cache: Cache;
  readonly discovery: DiscoveryStore;
  readonly runtime: Runtime;
  readonly services: Services;
  readonly api: RunningApiServer;
  readonly builder: RunningBuilder;
  readonly router: RunningRouter;
  readonly logServer: LogServer;
  readonly hooks: HookDispatcher;
  /** What /metrics shows (the API server's and the router's, one registry in this process). */
  readonly metrics: PlatformMetrics;
  stop(): Promise<void>;
}

/** The composition root: config -> adapters -> services -> schema -> servers. */
export async function startPlatform(config: PlatformConfig, options: PlatformOptions = {}): Promise<Platform> {
  const log = options.log ?? createLogger(config.logLevel);
  const stack: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stack.reverse()) await close().catch((error: unknown) => log.error({ err: error }, "stop failed"));
  };
  // Built while the database server starts (most of it is CPU work that does not need the database).
  const schemaBuilt = buildApiSchema();
  schemaBuilt.catch(() => undefined);
  // Checked meanwhile too (a dozen iptables runs, 60-100 ms); in place before the engine makes anything.
  const firewall = bridgeFirewall(config, log);
  const firewallChecked = firewall?.ensure();
  const metrics = new PlatformMetrics();
  const metricsAccess = { mode: config.metrics, token: config.metricsToken };
  try {
    const bounds = { connectTimeoutMs: config.componentTimeoutMs, queryTimeoutMs: config.databaseQueryTimeoutMs };
    const database = options.database
      ? { dataSource: await openDatabase({ ...bounds, ...options.database }), backend: options.database.url ? "postgresql" : "pglite" }
      : await openPlatformDatabase({ url: config.databaseUrl, dataDir: config.dataDir, embedded: config.embeddedDatabase, log, bounds });
    const { dataSource } = database;
    stack.push(() => ("close" in database ? database.close() : dataSource.destroy()));
    const cache = await openCache({ url: config.redisUrl, prefix: options.cachePrefix, timeoutMs: config.componentTimeoutMs });
    stack.push(() => cache.close());
    const discovery = openDiscovery(config.etcdEndpoints, config.etcdNamespace);
    stack.push(() => discovery.close());
    if (config.registryPort !== undefined) {
      const running = await startRegistry(join(config.dataDir, "registry"), "127.0.0.1", config.registryPort);
      stack.push(() => running.stop());
    }
    const registry = config.registryUrl ? new RegistryClient(config.registryUrl) : null;
    await firewallChecked;
    const engine = new DockerEngine(DockerEngine.endpoint(config.dockerHost), config.networkPool, firewall);
    const names = new ImageNames(registry?.host ?? null);
    const images = new ImagePolicy(engine, { platformId: config.platformId, names });
    const runtime = createRuntime(
      { discovery, engine, images, names, log, metrics },
      {
        platformId: config.platformId,
        hostIp: config.runtimeHost,
        registry,
        drainSeconds: config.drainSeconds,
        reconcileSeconds: config.reconcileSeconds,
        routeTtlSeconds: config.routeTtlSeconds,
        oneOffsPerApp: config.oneOffsPerApp,
        candidate: `${hostname()}:${process.pid}`,
        scheduler: config.scheduler,
      },
    );
    stack.push(() => runtime.stop());
    const logStore = new LogStore(cache.lists, cache.events, config.logLines);
    const drainGuard = new DrainGuard(drainPolicyOf(config));
    const services = createServices({ dataSource, cache, discovery, runtime, logs: logStore, drainGuard, config, version: PLATFORM_VERSION, log, metrics });
    stack.push(async () => services.deploys.stop());
    await services.routing.syncAll();
    runtime.start(services.deploys);
    // Deploys that could not take their lock while Redis was down run once it answers again.
    cache.onRecovered(() => {
      log.info("the cache (Redis) answers again; reconciling");
      runtime.reconciler.nudge();
    });
    services.audit.startPruning();
    stack.push(async () => services.audit.stopPruning());
    // Interactive one-offs left by a controller that died (no session will end them).
    services.interactiveRuns.startSweeping();
    stack.push(async () => services.interactiveRuns.stopSweeping());
    const hookDispatcher = new HookDispatcher(
      dataSource,
      cache.events,
      discovery,
      new HookSender(drainGuard, `deis-ts/${PLATFORM_VERSION}`),
      { platformId: config.platformId, candidate: `${hostname()}:${process.pid}`, attempts: config.hookAttempts, retrySeconds: config.hookRetrySeconds },
      log.child({ module: "hooks" }),
    );
    hookDispatcher.start();
    stack.push(() => hookDispatcher.stop());
    const cron = new CronScheduler(
      databaseCronJobs(dataSource),
      services.deploys,
      cache.events,
      discovery,
      {
        tickSeconds: config.cronTickSeconds,
        timeoutSeconds: config.cronTimeoutSeconds,
        candidate: `${hostname()}:${process.pid}`,
        election: `${config.platformId}-cron`,
      },
      log.child({ module: "cron" }),
    );
    cron.start();
    stack.push(() => cron.stop());
    const logServer = new LogServer(
      logFace(dataSource),
      logStore,
      cache.events,
      discovery,
      runtime.engine,
      {
        platformId: config.platformId,
        syslog: config.syslogPort === null ? null : { host: config.host, port: config.syslogPort },
        drainGuard,
        metrics,
      },
      log.child({ module: "logger" }),
    );
    logServer.start();
    stack.push(() => logServer.stop());
    const builder = await startBuilder(
      { control: builderFace(services), cache, engine, images, names, registry, log, metrics },
      {
        host: config.host,
        port: config.builderPort,
        dataDir: config.dataDir,
        buildProxy: config.buildProxy,
        stackImage: STACK_IMAGE,
        platformId: config.platformId,
        loginGraceSeconds: config.builderLoginGraceSeconds,
        maxStartups: config.builderMaxStartups,
        releasePhaseTimeoutSeconds: config.releasePhaseTimeoutSeconds,
        limits: {
          memoryBytes: memoryBytes(config.buildMemory)!,
          nanoCpus: nanoCpus(config.buildCpus)!,
          timeoutSeconds: config.buildTimeoutSeconds,
          concurrency: config.buildConcurrency,
        },
      },
    );
    stack.push(() => builder.close());
    const router = await startRouter({
      discovery,
      routeLeaseGraceMs: config.routeTtlSeconds * 1000,
      host: config.host,
      port: config.routerPort,
      httpsPort: config.routerHttpsPort,
      log,
      onRequest: (entry) => void publishRequestLine(cache.events, entry),
      backendTimeoutMs: config.routerBackendTimeoutSeconds * 1000,
      headerTimeoutMs: config.routerHeaderTimeoutSeconds * 1000,
      defaultCertificate: config.routerHttpsPort === null ? undefined : await loadDefaultCertificate(config.dataDir, log),
      metrics: { router: new RouterMetrics(metrics.registry), access: metricsAccess, text: () => metrics.text() },
      engine: config.routerEngine,
      nginx: { dataDir: config.dataDir, binary: config.nginxPath, workers: config.routerWorkers },
    });
    stack.push(() => router.close());
    const schema = await schemaBuilt;
    const api = await startApiServer({
      schema,
      services,
      events: cache.events,
      log,
      host: config.host,
      port: config.apiPort,
      maxQueryDepth: config.maxQueryDepth,
      maxQueryComplexity: config.maxQueryComplexity,
      health: () => services.health.check(),
      metrics: { platform: metrics, access: metricsAccess },
    });
    stack.push(() => api.close());
    log.info(
      { database: database.backend, cache: cache.backend, domain: config.domain },
      "platform started",
    );
    return { config, log, dataSource, cache, discovery, runtime, services, api, builder, router, logServer, hooks: hookDispatcher, metrics, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The rules that keep app networks apart, which match on the subnet pool: none without one (said once). */
function bridgeFirewall(config: PlatformConfig, log: Logger): BridgeFirewall | null {
  if (!config.networkPool) {
    log.warn("DEIS_NETWORK_POOL=off: app networks are kept apart by Docker's rules alone, which open for moments whenever a network is created");
    return null;
  }
  return new BridgeFirewall(config.networkPool, (message) => log.warn(message));
}
