#!/usr/bin/env node
import "./core/production-mode";
import "reflect-metadata";
import { join, resolve } from "node:path";
import cluster from "node:cluster";
import { ConfigError, type PlatformConfig, loadConfig } from "./core/config";
import { type Logger, createLogger } from "./core/logger";
import { type Cache, openCache } from "./modules/cache";
import { openDiscovery } from "./modules/discovery";
import { type RequestLogEntry, loadDefaultCertificate, publishRequestLine, startRouter, startRouterWorkers } from "./modules/proxy";
import { DrainGuard, LogServer, LogStore, drainPolicyOf } from "./modules/logger";
import { BridgeFirewall, DockerEngine } from "./modules/docker";
import { openDatabase, openPlatformDatabase } from "./modules/database";
import { logFace } from "./modules/controller";
import { startPlatform } from "./platform";
import { buildApiSchema } from "./resolvers";

const USAGE = `usage: deis-platform <command>

commands:
  up        run the whole platform in this process (the default)
  router    run only the router, DEIS_ROUTER_WORKERS processes, routes from etcd (ETCD_ENDPOINTS)
  logger    run only the log server (with PostgreSQL, Redis and etcd shared with the controllers)
  migrate   bring the database schema up to date and exit
  firewall  print the iptables commands that keep app networks apart (for the other nodes of a swarm)
  schema    write schema/schema.graphql from the code and exit

Configuration comes from the environment; see README.md.`;

/** Says a server is up: the banner on a terminal, one JSON log line with its fields otherwise. */
type Announce = (banner: string[], fields: Record<string, unknown>) => void;

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? "up";
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return;
  }
  if (command === "schema") {
    const path = resolve(argv[1] ?? join(__dirname, "..", "schema", "schema.graphql"));
    await buildApiSchema(path);
    console.log(`wrote ${path}`);
    return;
  }
  const config = loadConfig();
  // A person at a terminal reads lines and a banner; anything else (a pipe, a file, a collector) gets
  // JSON lines only, the banner among them as one line with its fields.
  const human = process.stdout.isTTY === true;
  const log = createLogger(config.logLevel, "deis", { human });
  const announce = (banner: string[], fields: Record<string, unknown>) => {
    if (human) console.log(banner.join("\n"));
    // Said whatever LOG_LEVEL is: whoever started it needs the addresses.
    else log.child({}, { level: "info" }).info(fields, banner[0]);
  };
  if (command === "firewall") {
    if (!config.networkPool) throw new ConfigError("DEIS_NETWORK_POOL", "the rules match on the subnet pool; with off there are none");
    console.log(new BridgeFirewall(config.networkPool, () => undefined).commands().join("\n"));
    return;
  }
  if (command === "migrate") {
    const database = await openPlatformDatabase({ url: config.databaseUrl, dataDir: config.dataDir, embedded: config.embeddedDatabase, log });
    await database.close();
    log.info("database is up to date");
    return;
  }
  if (command === "router") {
    await runRouter(config, log, announce);
    return;
  }
  if (command === "logger") {
    await runLogger(config, log, announce);
    return;
  }
  if (command !== "up") {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  // Handled from here on, so a signal while it starts still stops what it started (the database server).
  let stopRequested: string | null = null;
  let shutdown = (signal: string) => {
    stopRequested ??= signal;
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  const platform = await startPlatform(config, { log });
  const routerPort = config.routerPort === 80 ? "" : `:${platform.router.port}`;
  const up = {
    dashboard: new URL("/", platform.api.url).href,
    api: platform.api.url,
    apps: `http://<app>.${config.domain}${routerPort}`,
    gitPush: `ssh://git@${config.gitHost}:${platform.builder.port}/<app>.git`,
    builderHostKey: platform.builder.hostKeyFingerprint,
  };
  announce(
    [
      "Deis is up.",
      `  Dashboard:        ${up.dashboard}`,
      `  API and explorer: ${up.api}`,
      `  Apps answer at:   ${up.apps}`,
      `  git push to:      ${up.gitPush}`,
      `  builder host key: ${up.builderHostKey} (ED25519; compare when the first push asks)`,
    ],
    up,
  );
  let stopping = false;
  shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    platform.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  if (stopRequested) shutdown(stopRequested);
}

/**
 * The router alone, as its own processes (one per DEIS_ROUTER_WORKERS): it reads only discovery,
 * so it needs etcd, and it keeps serving the last routes while the controller is down.
 */
async function runRouter(config: PlatformConfig, log: Logger, announce: Announce): Promise<void> {
  if (config.etcdEndpoints.length === 0) {
    throw new ConfigError("ETCD_ENDPOINTS", "the router runs on its own only with etcd: it shares routes through it");
  }
  if (config.routerEngine === "nginx") return runNginxRouter(config, log, announce);
  const cache = cluster.isWorker && config.redisUrl ? await openCache({ url: config.redisUrl }) : null;
  const router = await startRouterWorkers({
    // The default certificate is made by the primary before it forks, so every worker serves the same one.
    ...(await standaloneRouterOptions(config, log, cache)),
    workers: config.routerWorkers,
    discoveryFactory: () => openDiscovery(config.etcdEndpoints, config.etcdNamespace),
    metricsAccess: config.metrics === "off" ? undefined : { mode: config.metrics, token: config.metricsToken },
  });
  if (router.role === "primary") announce([`Deis router is up on port ${router.port}`], { port: router.port });
  const shutdown = () => {
    void router
      .close()
      .then(() => cache?.close())
      .finally(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

/** What a router run on its own takes from the configuration, whichever its engine. */
async function standaloneRouterOptions(config: PlatformConfig, log: Logger, cache: Cache | null) {
  return {
    host: config.host,
    port: config.routerPort,
    httpsPort: config.routerHttpsPort,
    log,
    backendTimeoutMs: config.routerBackendTimeoutSeconds * 1000,
    headerTimeoutMs: config.routerHeaderTimeoutSeconds * 1000,
    defaultCertificate: config.routerHttpsPort === null ? undefined : await loadDefaultCertificate(config.dataDir, log),
    routeLeaseGraceMs: config.routeTtlSeconds * 1000,
    onRequest: cache ? (entry: RequestLogEntry) => void publishRequestLine(cache.events, entry) : undefined,
  };
}

/**
 * The router alone with the nginx engine: this one process follows etcd and drives nginx, whose
 * DEIS_ROUTER_WORKERS worker processes serve the traffic.
 */
async function runNginxRouter(config: PlatformConfig, log: Logger, announce: Announce): Promise<void> {
  const cache = config.redisUrl ? await openCache({ url: config.redisUrl }) : null;
  const discovery = openDiscovery(config.etcdEndpoints, config.etcdNamespace);
  const router = await startRouter({
    engine: "nginx",
    nginx: { dataDir: config.dataDir, binary: config.nginxPath, workers: config.routerWorkers },
    discovery,
    ...(await standaloneRouterOptions(config, log, cache)),
  }).catch(async (error: unknown) => {
    await discovery.close();
    await cache?.close();
    throw error;
  });
  announce([`Deis router (nginx) is up on port ${router.port}`], { port: router.port });
  const shutdown = () => {
    void router
      .close()
      .then(() => discovery.close())
      .then(() => cache?.close())
      .finally(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

/**
 * The log server alone: it shares the database (apps, drains), Redis (stored lines, live tails,
 * the intake) and etcd (its election) with the controllers, so it needs all three configured.
 */
async function runLogger(config: PlatformConfig, log: Logger, announce: Announce): Promise<void> {
  for (const [variable, value] of [["DATABASE_URL", config.databaseUrl], ["REDIS_URL", config.redisUrl], ["ETCD_ENDPOINTS", config.etcdEndpoints[0]]] as const) {
    if (!value) throw new ConfigError(variable, "the log server runs on its own only beside controllers that share it");
  }
  const dataSource = await openDatabase({ url: config.databaseUrl });
  const cache = await openCache({ url: config.redisUrl });
  const discovery = openDiscovery(config.etcdEndpoints, config.etcdNamespace);
  const server = new LogServer(
    logFace(dataSource),
    new LogStore(cache.lists, cache.events, config.logLines),
    cache.events,
    discovery,
    new DockerEngine(DockerEngine.endpoint(config.dockerHost)),
    {
      platformId: config.platformId,
      syslog: config.syslogPort === null ? null : { host: config.host, port: config.syslogPort },
      drainGuard: new DrainGuard(drainPolicyOf(config)),
    },
    log.child({ module: "logger" }),
  );
  server.start();
  announce(["Deis log server is up (it takes over when elected)"], {});
  const shutdown = () => {
    void server
      .stop()
      .then(() => Promise.all([discovery.close(), cache.close(), dataSource.destroy()]))
      .finally(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
