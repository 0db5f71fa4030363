import type { Logger } from "../../core/logger";
import type { DiscoveryStore } from "../discovery";
import type { RegistryClient } from "../registry";
import { ContainerScheduler } from "./container-scheduler";
import { ReleaseRunner } from "./release-runner";
import { type DockerEngine, type ImageNames, type ImagePolicy, ensureStackImage } from "../docker";
import { type ReconcileTarget, Reconciler } from "./reconciler";
import { RoutePublisher } from "./route-publisher";
import type { Scheduler } from "./scheduler";
import { SwarmScheduler } from "./swarm-scheduler";
import { ProcessUsageSampler } from "./process-usage";
import type { PlatformMetrics } from "../metrics";

export { type ReleasePlan, ReleaseRunner } from "./release-runner";
export type { ReconcileTarget } from "./reconciler";
export { DeployFailed, type ExpectedApp, type ProcessPlan } from "./scheduler";
export { DEFAULT_HEALTHCHECK } from "./health";
export { LABELS, buildNetwork, identityFromLabels } from "./naming";
export { ONE_OFF_TYPE, isAttachedOneOff } from "./one-off";
export { RELEASE_TYPE, hasProcessTypes, isRouted, processTypes, releaseCommand, structureFor } from "./formation";
export type { OneOffOptions, ProcessStatus, RunResult, RuntimeNode, Scheduler } from "./scheduler";
export { type ProcessUsage, ProcessUsageSampler, type ProcessWithUsage } from "./process-usage";

export interface RuntimeOptions {
  readonly platformId: string;
  readonly hostIp: string;
  readonly registry: RegistryClient | null;
  readonly drainSeconds: number;
  readonly reconcileSeconds: number;
  readonly routeTtlSeconds: number;
  /** One-offs an app may have running at once (run, run:detached, run -it). */
  readonly oneOffsPerApp: number;
  /** This process, in the reconciler election. */
  readonly candidate: string;
  /** Where processes run: containers on the local engine (default), or Swarm services across a swarm's nodes. */
  readonly scheduler?: "containers" | "swarm";
}

/**
 * The runtime module's public face: it runs release plans (the runner) and keeps what runs equal to
 * what should (the reconciler, driving the controller's deploys). It reads no database.
 */
export interface Runtime {
  readonly engine: DockerEngine;
  /** Which images an app may build from or deploy. */
  readonly images: ImagePolicy;
  /** Where processes run: containers on one engine, or Swarm services. */
  readonly kind: "containers" | "swarm";
  readonly runner: ReleaseRunner;
  readonly reconciler: Reconciler;
  /** Where apps' volumes live: null on one engine, the node's name under Swarm. */
  volumeNode(): Promise<string | null>;
  /** Each process's CPU, memory and network from the engine's stats. */
  readonly usage: ProcessUsageSampler;
  /** Builds the stack image if needed and starts reconciling `target` (when elected). */
  start(target: ReconcileTarget & { settled(): Promise<void> }): void;
  /** Stops reconciling, waits for the target's deploys in flight, then stops publishing routes. */
  stop(): Promise<void>;
}

export function createRuntime(
  deps: {
    discovery: DiscoveryStore;
    engine: DockerEngine;
    images: ImagePolicy;
    names: ImageNames;
    log: Logger;
    /** Reconciler passes and restarts are counted here when given. */
    metrics?: PlatformMetrics;
  },
  options: RuntimeOptions,
): Runtime {
  const log = deps.log.child({ module: "runtime" });
  const { engine, images } = deps;
  const schedulerOptions = { platformId: options.platformId, hostIp: options.hostIp, drainSeconds: options.drainSeconds, stopTimeoutSeconds: 10, metrics: deps.metrics };
  const scheduler: Scheduler =
    options.scheduler === "swarm"
      ? new SwarmScheduler(engine, schedulerOptions, log)
      : new ContainerScheduler(engine, schedulerOptions, log);
  const routes = new RoutePublisher(deps.discovery, options.routeTtlSeconds, log);
  const runner = new ReleaseRunner(
    scheduler,
    routes,
    engine,
    images,
    deps.names,
    { registry: options.registry, pushReleases: options.registry !== null && options.scheduler === "swarm", defaultPort: 5000, platformId: options.platformId, oneOffsPerApp: options.oneOffsPerApp },
    log,
  );
  const reconciler = new Reconciler(
    scheduler,
    deps.discovery,
    { intervalSeconds: options.reconcileSeconds, candidate: options.candidate, election: `${options.platformId}-reconciler`, metrics: deps.metrics },
    log,
  );
  let settled = async (): Promise<void> => undefined;
  return {
    engine,
    images,
    usage: new ProcessUsageSampler(engine),
    kind: scheduler.kind,
    runner,
    reconciler,
    volumeNode: () => scheduler.volumeNode(),
    start(target) {
      settled = () => target.settled();
      ensureStackImage(engine, log).catch((error: unknown) =>
        log.warn({ err: error }, "no stack image yet: is the Docker engine running? (buildpack builds need it)"),
      );
      if (scheduler.kind === "swarm") {
        engine.swarm.node().then(
          (node) => node.manager || log.warn({ swarm: node.state }, "the Docker engine is not a Swarm manager: apps cannot run (docker swarm init)"),
          (error: unknown) => log.warn({ err: error }, "could not ask the Docker engine about its swarm"),
        );
      }
      reconciler.start(target);
    },
    async stop() {
      await reconciler.stop();
      await settled();
      routes.close();
    },
  };
}
