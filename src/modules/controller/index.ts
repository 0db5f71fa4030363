import type { DataSource } from "typeorm";
import type { PlatformConfig } from "../../core/config";
import type { Logger } from "../../core/logger";
import type { Cache } from "../cache";
import { type DiscoveryStore, platformKey } from "../discovery";
import type { DrainGuard, LogStore } from "../logger";
import type { Runtime } from "../runtime";
import type { PlatformMetrics } from "../metrics";
import { AccessService } from "./services/access.service";
import { AppService } from "./services/app.service";
import { AuditService } from "./services/audit.service";
import { HookService } from "./services/hook.service";
import { AuthService } from "./services/auth.service";
import { BuildService } from "./services/build.service";
import { CertificateService } from "./services/certificate.service";
import { CollaboratorService } from "./services/collaborator.service";
import { DeployService } from "./services/deploy.service";
import { memoryBytes } from "../../core/units";
import { ConfigService } from "./services/config.service";
import { CronService } from "./services/cron.service";
import { VolumeService } from "./services/volume.service";
import { DomainService } from "./services/domain.service";
import { KeyService } from "./services/key.service";
import { HealthService } from "./services/health.service";
import { LogService } from "./services/log.service";
import { PlatformService } from "./services/platform.service";
import { PlatformSettingsService } from "./services/platform-settings.service";
import { ProcessService } from "./services/process.service";
import { InteractiveRunService } from "./services/interactive-run.service";
import { ReleaseService } from "./services/release.service";
import { RoutingService } from "./services/routing.service";
import { RouterRulesService } from "./services/router-rules.service";
import { StreamService } from "./services/stream.service";
import { ProcessUsageFeed } from "./services/process-usage-feed";
import { UserService } from "./services/user.service";
import { UnitOfWork } from "./unit-of-work";

export { AppEventType, type AppEventPayload, appEventsTopic } from "../../core/topics";
export type { Page, PageArgs } from "./pagination";
export type { ProcessMetricsSample } from "./services/process-usage-feed";
export { type LogControl, logFace } from "./log-face";
export { type BuilderControl, type DeployOutcome, type PushedBuild, builderFace } from "./builder-face";
export type { ConfigChange } from "./validation/config-rules";
export { fingerprintOf, parsePublicKey } from "./validation/ssh-public-key";
export { hashToken } from "./services/auth.service";
export { type InteractiveSession, type TerminalClient, MAX_TERMINAL_CELLS } from "./services/interactive-run.service";
export type { ComponentHealth, PlatformHealth } from "./services/health.service";
export type { AuditEntry } from "./services/audit.service";
export type { AddedHook } from "./services/hook.service";
export { HookDispatcher, type HookDispatcherOptions, type HookPayload } from "./hooks/hook-dispatcher";
export { HookSender, signHookBody, verifyHookSignature } from "./hooks/hook-sender";
export { type CronJobStore, CronScheduler, type CronSchedulerOptions, type OneOffRunner, type ScheduledJob, databaseCronJobs } from "./cron/cron-scheduler";

export interface ControllerDeps {
  readonly dataSource: DataSource;
  readonly cache: Cache;
  readonly discovery: DiscoveryStore;
  readonly runtime: Runtime;
  readonly logs: LogStore;
  readonly drainGuard: DrainGuard;
  readonly config: PlatformConfig;
  readonly version: string;
  readonly log: Logger;
  /** Deploys by outcome and lock waits are counted here when given. */
  readonly metrics?: PlatformMetrics;
}

/** The controller's services, wired once by the composition root. */
export function createServices({ dataSource, cache, discovery, runtime, logs: logStore, drainGuard, config, version, log, metrics }: ControllerDeps) {
  const unitOfWork = new UnitOfWork(dataSource, cache.events);
  const access = new AccessService(dataSource);
  const syslog = config.syslogPort === null ? null : { host: config.gitHost, port: config.syslogPort };
  const logs = new LogService(dataSource, access, logStore, cache.events, config.logLines, syslog, drainGuard);
  const deploys = new DeployService(
    dataSource,
    unitOfWork,
    runtime.runner,
    cache.locks,
    cache.events,
    {
      // Another deploy of the app may run a release command first.
      lockTimeoutMs: 10 * 60_000 + config.releasePhaseTimeoutSeconds * 1000,
      defaultLimits: { memoryBytes: memoryBytes(config.defaultMemory)!, pidsLimit: config.defaultPids },
      releasePhaseTimeoutMs: config.releasePhaseTimeoutSeconds * 1000,
      metrics,
    },
    log.child({ module: "deploys" }),
  );
  const releases = new ReleaseService(dataSource, unitOfWork, access, deploys);
  const routing = new RoutingService(dataSource, discovery, config.domain, log);
  const settings = new PlatformSettingsService(discovery, access, { registrationMode: config.registrationMode });
  return {
    access,
    audit: new AuditService(dataSource, access, config.auditRetentionDays, log.child({ module: "audit" })),
    hooks: new HookService(dataSource, access, drainGuard, cache.events),
    auth: new AuthService(dataSource, unitOfWork, access, cache.counters, config, () => settings.registrationMode()),
    settings,
    users: new UserService(dataSource, unitOfWork, access, cache.events),
    keys: new KeyService(dataSource, access),
    apps: new AppService(dataSource, unitOfWork, access, releases, deploys, routing, logs),
    streams: new StreamService(
      access,
      cache.events,
      cache.lists,
      new ProcessUsageFeed((app) => deploys.processes(app), runtime.usage, config.processMetricsSeconds * 1000, log.child({ module: "usage" })),
    ),
    logs,
    collaborators: new CollaboratorService(dataSource, unitOfWork, access),
    configs: new ConfigService(dataSource, unitOfWork, access, releases, (tags) => runtime.runner.placementProblem(tags)),
    cron: new CronService(dataSource, access, cache.events),
    volumes: new VolumeService(dataSource, unitOfWork, access, releases, { node: () => runtime.volumeNode() }),
    releases,
    deploys,
    builds: new BuildService(dataSource, unitOfWork, access, releases, runtime.images),
    processes: new ProcessService(dataSource, unitOfWork, access, deploys, routing, cache.events, runtime.usage),
    interactiveRuns: new InteractiveRunService(
      access,
      deploys,
      cache.locks,
      { idleMs: config.runIdleSeconds * 1000, maxMs: config.runMaxSeconds * 1000 },
      log.child({ module: "interactive-run" }),
    ),
    domains: new DomainService(dataSource, unitOfWork, access, config.domain, routing),
    certificates: new CertificateService(dataSource, unitOfWork, access, routing),
    routing,
    routerRules: new RouterRulesService(dataSource, unitOfWork, access, routing),
    health: new HealthService(
      [
        { name: "database", backend: config.databaseUrl ? "postgresql" : "pglite", probe: () => dataSource.query("SELECT 1") },
        { name: "cache", backend: cache.backend, probe: () => cache.ping() },
        { name: "discovery", backend: discovery.backend, probe: () => discovery.get(platformKey("domain")) },
      ],
      config.componentTimeoutMs,
      () => (runtime.reconciler.isLeader ? ["reconciler"] : []),
      log.child({ module: "health" }),
    ),
    platform: new PlatformService({
      domain: config.domain,
      version,
      gitHost: config.gitHost,
      builderPort: config.builderPort,
      routerPort: config.routerPort,
    }, settings, access, () => runtime.runner.nodes()),
  };
}

export type Services = ReturnType<typeof createServices>;
