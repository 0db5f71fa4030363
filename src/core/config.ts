import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { parseCidr } from "./cidr";
import { memoryBytes, nanoCpus } from "./units";
import { type SubnetPool, poolProblem } from "../modules/docker/subnet-pool";

/**
 * Platform configuration, read from the environment once, validated and frozen.
 * Every variable is documented in README.md ("Configuration"); keep the two in step.
 */
export type RegistrationMode = "enabled" | "disabled" | "admin_only";

export interface PlatformConfig {
  /** Where the embedded database, git repositories and host keys live. */
  readonly dataDir: string;
  /** Address every server binds to. */
  readonly host: string;
  /** Port of the GraphQL API (queries, mutations and graphql-ws subscriptions on /graphql). */
  readonly apiPort: number;
  /** Apps answer at http://<app>.<domain>. */
  readonly domain: string;
  /** PostgreSQL URL; an embedded database under dataDir when unset. */
  readonly databaseUrl: string | undefined;
  /** The embedded database without DATABASE_URL: the host's PostgreSQL server as a child (PGlite when it cannot run), or one of them. */
  readonly embeddedDatabase: "auto" | "postgresql" | "pglite";
  /** Redis URL; in-process pub/sub, locks and counters when unset. */
  readonly redisUrl: string | undefined;
  /** etcd endpoints; an in-process store when empty. */
  readonly etcdEndpoints: readonly string[];
  /** A prefix for every etcd key, so several platforms can share one etcd. */
  readonly etcdNamespace: string;
  /** Milliseconds a request waits for PostgreSQL to connect or Redis to answer before it gets SERVICE_UNAVAILABLE. */
  readonly componentTimeoutMs: number;
  /** Milliseconds one SQL statement may take before it fails as UNAVAILABLE (a PostgreSQL that hangs without refusing). */
  readonly databaseQueryTimeoutMs: number;
  readonly registrationMode: RegistrationMode;
  /** Failed logins allowed per (username, client address) in one window; five times that per address. */
  readonly loginMaxAttempts: number;
  readonly loginWindowSeconds: number;
  /** Largest query depth and cost the API accepts. */
  readonly maxQueryDepth: number;
  readonly maxQueryComplexity: number;
  readonly logLevel: string;
  /** Marks this platform's containers on a shared Docker engine (label deis.platform). */
  readonly platformId: string;
  /** The address app containers publish their web port on (127.0.0.1 on a single host). */
  readonly runtimeHost: string;
  /** The Docker engine to use (unix:///path or tcp://host:port); the local socket when unset. Under Swarm: a manager's. */
  readonly dockerHost: string | undefined;
  /** Seconds an old process keeps running after it stops getting requests, for those in flight. */
  readonly drainSeconds: number;
  /** Seconds between the reconciler's full passes. */
  readonly reconcileSeconds: number;
  /** Seconds between the cron scheduler's ticks (60: each minute; less runs matching jobs every tick, for tests). */
  readonly cronTickSeconds: number;
  /** A scheduled job's run is stopped after this many seconds. */
  readonly cronTimeoutSeconds: number;
  /** Seconds a dead controller's routes live on in discovery. */
  readonly routeTtlSeconds: number;
  /** Where app processes run: containers on the local Docker engine, or Docker Swarm services. */
  readonly scheduler: "containers" | "swarm";
  /** The router's HTTP port (apps answer there), its HTTPS port (null: none) and worker processes. */
  readonly routerPort: number;
  readonly routerHttpsPort: number | null;
  readonly routerWorkers: number;
  /** The router's data plane: the Node router, or nginx configured by the router process. */
  readonly routerEngine: "node" | "nginx";
  /** The nginx binary for the nginx engine; null: /usr/sbin/nginx, else `nginx` on PATH. */
  readonly nginxPath: string | null;
  /** Seconds a backend has to start its answer before the router answers 504 (Heroku's H12). */
  readonly routerBackendTimeoutSeconds: number;
  /** Seconds a client has to send a request's headers (or finish a TLS handshake) before it is cut off. */
  readonly routerHeaderTimeoutSeconds: number;
  /** Recent log lines kept per app. */
  readonly logLines: number;
  /** The log server's syslog receiver (UDP and TCP) on the API's host; null: none. */
  readonly syslogPort: number | null;
  /** Drains may reach private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): Docker's bridges, other apps. */
  readonly drainsAllowPrivate: boolean;
  /** CIDRs drains may reach whatever class they are in (the operator's own collector, e.g. 127.0.0.1/32). */
  readonly drainsAllow: readonly string[];
  /** Days the audit trail keeps a record; older ones are deleted. */
  readonly auditRetentionDays: number;
  /** Deploy hooks: attempts per delivery, and the first retry's delay in seconds (each next one waits 3 times longer). */
  readonly hookAttempts: number;
  readonly hookRetrySeconds: number;
  /** The SSH port `git push` goes to. */
  readonly builderPort: number;
  /** Seconds an SSH connection may take to authenticate before it is closed (OpenSSH's LoginGraceTime). */
  readonly builderLoginGraceSeconds: number;
  /** SSH connections waiting to authenticate at once; beyond it new ones are closed (OpenSSH's MaxStartups). */
  readonly builderMaxStartups: number;
  /** The host name in apps' git remotes (ssh://git@<gitHost>:<builderPort>/<app>.git). */
  readonly gitHost: string;
  /** The platform registry (http://host:port); images stay in the local engine when unset. */
  readonly registryUrl: string | undefined;
  /** When set, `up` runs Debian's docker-registry on this loopback port, with data under dataDir. */
  readonly registryPort: number | undefined;
  /** Limits of one build: memory ("2G"), CPUs ("1.5"), seconds, and builds at once. */
  readonly buildMemory: string;
  readonly buildCpus: string;
  readonly buildTimeoutSeconds: number;
  readonly buildConcurrency: number;
  /** Seconds a release command (the Procfile's `release`) may run before it is stopped and its release fails. */
  readonly releasePhaseTimeoutSeconds: number;
  /** An interactive one-off session (`deis run -it`) ends after this many seconds with no byte either way, or this many in all. */
  readonly runIdleSeconds: number;
  readonly runMaxSeconds: number;
  /** One-offs (run, run:detached, run -it) an app may have running at once. */
  readonly oneOffsPerApp: number;
  /** Every app process's and one-off's memory ("512M"; an app's limits override it) and pids limits. */
  readonly defaultMemory: string;
  readonly defaultPids: number;
  /** Where the platform's bridge networks (one per app, and the builds') take their subnets; null: Docker's default pools. */
  readonly networkPool: SubnetPool | null;
  /** The platform's own proxy settings (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), passed to builds. */
  readonly buildProxy: Readonly<Record<string, string>>;
  /** Who may read /metrics (API server and router): loopback clients, holders of metricsToken, or nobody. */
  readonly metrics: "loopback" | "token" | "off";
  /** The bearer token /metrics asks for in token mode; null when unset. */
  readonly metricsToken: string | null;
  /** Seconds between per-app resource samples (processMetrics subscription). */
  readonly processMetricsSeconds: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly rule: string,
  ) {
    super(`${variable}: ${rule}`);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value.trim() === "" ? fallback : value.trim();
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(" or ")}, got "${parsed.protocol}"`);
  }
  return raw;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim();
  if (!raw) return false;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new ConfigError(name, `must be 1 or 0, got "${raw}"`);
}

function cidrs(env: Env, name: string): readonly string[] {
  const list = (optional(env, name) ?? "").split(",").map((entry) => entry.trim()).filter(Boolean);
  for (const entry of list) {
    if (!parseCidr(entry)) throw new ConfigError(name, `each entry must be an address or a CIDR like 10.1.0.0/16 or fd00::/8, got "${entry}"`);
  }
  return Object.freeze(list);
}

function networkPool(env: Env): SubnetPool | null {
  const cidr = text(env, "DEIS_NETWORK_POOL", "10.213.0.0/16");
  if (cidr === "off") return null;
  const pool = { cidr, size: integer(env, "DEIS_NETWORK_SUBNET_SIZE", 26, 16, 29) };
  const problem = poolProblem(pool);
  if (problem) throw new ConfigError(problem.startsWith("must") ? "DEIS_NETWORK_POOL" : "DEIS_NETWORK_SUBNET_SIZE", problem);
  return Object.freeze(pool);
}

function metricsAccess(env: Env): Pick<PlatformConfig, "metrics" | "metricsToken"> {
  const token = optional(env, "DEIS_METRICS_TOKEN") ?? null;
  if (token !== null && (token.length < 16 || /\s/.test(token))) {
    throw new ConfigError("DEIS_METRICS_TOKEN", "must be at least 16 characters without spaces");
  }
  const metrics = choice<"loopback" | "token" | "off">(env, "DEIS_METRICS", token ? "token" : "loopback", ["loopback", "token", "off"]);
  if (metrics === "token" && token === null) throw new ConfigError("DEIS_METRICS_TOKEN", "must be set when DEIS_METRICS is token");
  return { metrics, metricsToken: token };
}

function choice<T extends string>(env: Env, name: string, fallback: T, choices: readonly T[]): T {
  const raw = text(env, name, fallback);
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${choices.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

function absolutePath(env: Env, name: string): string | null {
  const value = optional(env, name);
  if (value === undefined) return null;
  if (!isAbsolute(value)) throw new ConfigError(name, `must be an absolute path, got "${value}"`);
  return value;
}

function quantity(env: Env, name: string, fallback: string, parse: (value: string) => number | null): string {
  const value = text(env, name, fallback);
  if (!parse(value)) throw new ConfigError(name, `must be a quantity like ${fallback}, got "${value}"`);
  return value;
}

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function defaultDataDir(): string {
  return resolve(homedir(), ".deis-ts");
}

export function loadConfig(env: Env = process.env): PlatformConfig {
  const domain = text(env, "DEIS_DOMAIN", "localhost").toLowerCase();
  if (!DOMAIN_RE.test(domain)) throw new ConfigError("DEIS_DOMAIN", `must be a DNS name, got "${domain}"`);
  const platformId = text(env, "DEIS_PLATFORM_ID", "deis");
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(platformId)) {
    throw new ConfigError("DEIS_PLATFORM_ID", `must be lowercase letters, digits, '-' or '_', got "${platformId}"`);
  }
  const etcd = optional(env, "ETCD_ENDPOINTS");
  const etcdEndpoints = etcd ? etcd.split(",").map((e) => e.trim()).filter(Boolean) : [];
  for (const endpoint of etcdEndpoints) {
    if (!/^https?:\/\/[^\s/]+$/.test(endpoint)) {
      throw new ConfigError("ETCD_ENDPOINTS", `each endpoint must look like http://host:port, got "${endpoint}"`);
    }
  }
  const registryUrl = url(env, "REGISTRY_URL", ["http:", "https:"])?.replace(/\/+$/, "");
  const registryPort = env.DEIS_REGISTRY_PORT?.trim() ? integer(env, "DEIS_REGISTRY_PORT", 5000, 1, 65535) : undefined;
  const config: PlatformConfig = {
    dataDir: resolve(text(env, "DEIS_DATA_DIR", defaultDataDir())),
    host: text(env, "DEIS_HOST", "127.0.0.1"),
    apiPort: integer(env, "DEIS_PORT", 8000, 0, 65535),
    domain,
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    embeddedDatabase: choice<"auto" | "postgresql" | "pglite">(env, "DEIS_EMBEDDED_DATABASE", "auto", ["auto", "postgresql", "pglite"]),
    redisUrl: url(env, "REDIS_URL", ["redis:", "rediss:"]),
    etcdEndpoints: Object.freeze(etcdEndpoints),
    etcdNamespace: text(env, "ETCD_NAMESPACE", ""),
    componentTimeoutMs: integer(env, "DEIS_COMPONENT_TIMEOUT_MS", 1500, 100, 60_000),
    databaseQueryTimeoutMs: integer(env, "DEIS_DATABASE_QUERY_TIMEOUT_MS", 15_000, 100, 3_600_000),
    registrationMode: choice<RegistrationMode>(env, "DEIS_REGISTRATION_MODE", "enabled", [
      "enabled",
      "disabled",
      "admin_only",
    ]),
    loginMaxAttempts: integer(env, "DEIS_LOGIN_MAX_ATTEMPTS", 10, 1, 10_000),
    loginWindowSeconds: integer(env, "DEIS_LOGIN_WINDOW_SECONDS", 300, 1, 86_400),
    maxQueryDepth: integer(env, "DEIS_MAX_QUERY_DEPTH", 12, 2, 100),
    maxQueryComplexity: integer(env, "DEIS_MAX_QUERY_COMPLEXITY", 5000, 10, 1_000_000),
    logLevel: text(env, "LOG_LEVEL", env.LOG === "1" ? "debug" : "info"),
    platformId,
    runtimeHost: text(env, "DEIS_RUNTIME_HOST", "127.0.0.1"),
    dockerHost: url(env, "DOCKER_HOST", ["unix:", "tcp:"]),
    drainSeconds: integer(env, "DEIS_DRAIN_SECONDS", 2, 0, 300),
    reconcileSeconds: integer(env, "DEIS_RECONCILE_SECONDS", 30, 1, 3600),
    routeTtlSeconds: integer(env, "DEIS_ROUTE_TTL_SECONDS", 15, 2, 3600),
    cronTickSeconds: integer(env, "DEIS_CRON_TICK_SECONDS", 60, 1, 60),
    cronTimeoutSeconds: integer(env, "DEIS_CRON_TIMEOUT_SECONDS", 3600, 1, 86_400),
    scheduler: choice<"containers" | "swarm">(env, "DEIS_SCHEDULER", "containers", ["containers", "swarm"]),
    routerPort: integer(env, "DEIS_ROUTER_PORT", 8080, 0, 65535),
    routerHttpsPort: env.DEIS_ROUTER_HTTPS_PORT?.trim() === "off" ? null : integer(env, "DEIS_ROUTER_HTTPS_PORT", 8443, 0, 65535),
    routerWorkers: integer(env, "DEIS_ROUTER_WORKERS", 1, 1, 64),
    routerEngine: choice<"node" | "nginx">(env, "DEIS_ROUTER_ENGINE", "node", ["node", "nginx"]),
    nginxPath: absolutePath(env, "DEIS_NGINX_PATH"),
    routerBackendTimeoutSeconds: integer(env, "DEIS_ROUTER_BACKEND_TIMEOUT_SECONDS", 30, 1, 3600),
    routerHeaderTimeoutSeconds: integer(env, "DEIS_ROUTER_HEADER_TIMEOUT_SECONDS", 15, 1, 300),
    builderPort: integer(env, "DEIS_BUILDER_PORT", 2222, 0, 65535),
    builderLoginGraceSeconds: integer(env, "DEIS_BUILDER_LOGIN_GRACE_SECONDS", 30, 1, 600),
    builderMaxStartups: integer(env, "DEIS_BUILDER_MAX_STARTUPS", 10, 1, 10_000),
    logLines: integer(env, "DEIS_LOG_LINES", 1000, 10, 100_000),
    drainsAllowPrivate: flag(env, "DEIS_DRAINS_ALLOW_PRIVATE"),
    drainsAllow: cidrs(env, "DEIS_DRAINS_ALLOW"),
    auditRetentionDays: integer(env, "DEIS_AUDIT_RETENTION_DAYS", 90, 1, 36_500),
    hookAttempts: integer(env, "DEIS_HOOK_ATTEMPTS", 5, 1, 20),
    hookRetrySeconds: integer(env, "DEIS_HOOK_RETRY_SECONDS", 10, 1, 3600),
    syslogPort: env.DEIS_SYSLOG_PORT?.trim() === "off" ? null : integer(env, "DEIS_SYSLOG_PORT", 5140, 0, 65535),
    gitHost: text(env, "DEIS_GIT_HOST", text(env, "DEIS_HOST", "127.0.0.1")),
    registryUrl: registryUrl ?? (registryPort !== undefined ? `http://127.0.0.1:${registryPort}` : undefined),
    registryPort,
    buildMemory: quantity(env, "DEIS_BUILD_MEMORY", "2G", memoryBytes),
    buildCpus: quantity(env, "DEIS_BUILD_CPUS", "1", nanoCpus),
    buildTimeoutSeconds: integer(env, "DEIS_BUILD_TIMEOUT_SECONDS", 1200, 10, 86_400),
    buildConcurrency: integer(env, "DEIS_BUILD_CONCURRENCY", 2, 1, 64),
    releasePhaseTimeoutSeconds: integer(env, "DEIS_RELEASE_PHASE_TIMEOUT_SECONDS", 600, 1, 86_400),
    runIdleSeconds: integer(env, "DEIS_RUN_IDLE_SECONDS", 3600, 1, 86_400),
    oneOffsPerApp: integer(env, "DEIS_ONE_OFFS_PER_APP", 10, 1, 1000),
    runMaxSeconds: integer(env, "DEIS_RUN_MAX_SECONDS", 86_400, 1, 604_800),
    defaultMemory: quantity(env, "DEIS_DEFAULT_MEMORY", "512M", memoryBytes),
    defaultPids: integer(env, "DEIS_DEFAULT_PIDS", 256, 16, 1_000_000),
    networkPool: networkPool(env),
    ...metricsAccess(env),
    processMetricsSeconds: integer(env, "DEIS_PROCESS_METRICS_SECONDS", 5, 1, 300),
    buildProxy: Object.freeze(
      Object.fromEntries(
        ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"].flatMap((name) => (env[name]?.trim() ? [[name, env[name]!.trim()]] : [])),
      ),
    ),
  };
  return Object.freeze(config);
}
