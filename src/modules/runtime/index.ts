import type { DataSource } from "typeorm";
import type { Logger } from "../../core/logger";
import type { Cache } from "../cache";
import type { DiscoveryStore } from "../discovery";
import type { RegistryClient } from "../registry";
import { ContainerScheduler } from "./container-scheduler";
import { Deployer } from "./deployer";
import { type DockerEngine, type ImageNames, type ImagePolicy, ensureStackImage } from "../docker";
import { Reconciler } from "./reconciler";
import { RoutePublisher } from "./route-publisher";
import type { Scheduler } from "./scheduler";
import { SwarmScheduler } from "./swarm-scheduler";

export { Deployer } from "./deployer";
export { LABELS, buildNetworkName, identityFromLabels, networkLabels } from "./naming";
export { processTypes, structureFor } from "./formation";
export type { ProcessStatus, RunResult, Scheduler } from "./scheduler";

export interface RuntimeOptions {
  readonly platformId: string;
  readonly hostIp: string;
  readonly registry: RegistryClient | null;
  readonly drainSeconds: number;
  readonly reconcileSeconds: number;
  readonly routeTtlSeconds: number;
  /** This process, in the reconciler election. */
  readonly candidate: string;
  /** Where processes run: containers on the local engine (default), or Swarm services across a swarm's nodes. */
  readonly scheduler?: "containers" | "swarm";
  /** Every process's and one-off's memory (unless the app's limits say) and pids limits. */
  readonly defaultLimits: { readonly memoryBytes: number; readonly pidsLimit: number };
}

/** The runtime module's public face: the engine, the scheduler, the deployer and the reconciler. */
export interface Runtime {
  readonly engine: DockerEngine;
  /** Which images an app may build from or deploy. */
  readonly images: ImagePolicy;
  readonly scheduler: Scheduler;
  readonly deployer: Deployer;
  readonly reconciler: Reconciler;
  /** Builds the stack image if needed and starts reconciling (when elected). */
  start(): void;
  stop(): Promise<void>;
}

export function createRuntime(
  deps: {
    dataSource: DataSource;
    cache: Cache;
    discovery: DiscoveryStore;
    engine: DockerEngine;
    images: ImagePolicy;
    names: ImageNames;
    log: Logger;
  },
  options: RuntimeOptions,
): Runtime {
  const log = deps.log.child({ module: "runtime" });
  const { engine, images } = deps;
  const schedulerOptions = { platformId: options.platformId, hostIp: options.hostIp, drainSeconds: options.drainSeconds, stopTimeoutSeconds: 10 };
  const scheduler: Scheduler =
    options.scheduler === "swarm"
      ? new SwarmScheduler(engine, schedulerOptions, log)
      : new ContainerScheduler(engine, schedulerOptions, log);
  const routes = new RoutePublisher(deps.discovery, options.routeTtlSeconds, log);
  const deployer = new Deployer(
    deps.dataSource,
    scheduler,
    routes,
    engine,
    images,
    deps.cache.locks,
    deps.cache.events,
    deps.names,
    {
      registry: options.registry,
      pushReleases: options.registry !== null && options.scheduler === "swarm",
      defaultPort: 5000,
      lockTimeoutMs: 10 * 60_000,
      defaultLimits: options.defaultLimits,
    },
    log,
  );
  const reconciler = new Reconciler(
    deps.dataSource,
    scheduler,
    deployer,
    deps.discovery,
    { intervalSeconds: options.reconcileSeconds, candidate: options.candidate, election: `${options.platformId}-reconciler` },
    log,
  );
  return {
    engine,
    images,
    scheduler,
    deployer,
    reconciler,
    start() {
      ensureStackImage(engine, log).catch((error: unknown) =>
        log.warn({ err: error }, "no stack image yet: is the Docker engine running? (buildpack builds need it)"),
      );
      if (scheduler.kind === "swarm") {
        engine.swarm.node().then(
          (node) => node.manager || log.warn({ swarm: node.state }, "the Docker engine is not a Swarm manager: apps cannot run (docker swarm init)"),
          (error: unknown) => log.warn({ err: error }, "could not ask the Docker engine about its swarm"),
        );
      }
      reconciler.start();
    },
    async stop() {
      await reconciler.stop();
      await deployer.settled();
      routes.close();
    },
  };
}
