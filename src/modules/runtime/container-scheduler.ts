import type { PlatformMetrics } from "../metrics";
import type { Logger } from "../../core/logger";
import type { ContainerSpec, ContainerState, DockerEngine, TerminalContainer, TerminalSize } from "../docker";
import { UnhealthyError, waitUntilHealthy } from "./health";
import { detachedOneOffs, startInteractiveOneOff, runOneOff, startDetachedOneOff, stopDetachedOneOff } from "./one-off";
import {
  LABELS,
  type ProcessIdentity,
  appNetwork,
  appNetworkName,
  containerName,
  identityFromLabels,
  processLabels,
  volumeMounts,
} from "./naming";
import {
  type AppPlan,
  DeployFailed,
  type ExpectedApp,
  type ProcessPlan,
  type OneOffOptions,
  type ProcessStatus,
  type RouteSink,
  type RunResult,
  type RuntimeNode,
  type Scheduler,
} from "./scheduler";

export interface ContainerSchedulerOptions {
  /** Label value that marks this platform's containers; others on the engine are left alone. */
  readonly platformId: string;
  /** Where web ports are published, e.g. 127.0.0.1 on a single host. */
  readonly hostIp: string;
  /** Seconds between unrouting an old process and stopping it, for requests in flight. */
  readonly drainSeconds: number;
  /** Seconds a process gets after SIGTERM before SIGKILL. */
  readonly stopTimeoutSeconds: number;
  /** Crashed processes started again are counted here when given. */
  readonly metrics?: PlatformMetrics;
}

interface Existing extends ProcessIdentity {
  readonly container: ContainerState;
}

/** Crash back-off: a process that keeps dying is started again after 1, 2, 4 ... 300 seconds. */
const MAX_BACKOFF_SECONDS = 300;
/** A process that ran this long is no longer counted as crash-looping. */
const STABLE_AFTER_MS = 60_000;

/** Runs each process as a container on one Docker engine (the single-host default). */
export class ContainerScheduler implements Scheduler {
  readonly kind = "containers" as const;
  private readonly crashes = new Map<string, { count: number; retryAt: number }>();
  /** Times each process (by name) was started again after it crashed, since this controller started. */
  private readonly restarts = new Map<string, number>();
  private notify: ((app: string | null) => void) | null = null;
  /** One pending "look again" per app whose process waits out its back-off. */
  private readonly retries = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly engine: DockerEngine,
    private readonly options: ContainerSchedulerOptions,
    private readonly log: Logger,
  ) {}

  private async existing(app: string): Promise<Existing[]> {
    const containers = await this.engine.listContainers([
      `${LABELS.platform}=${this.options.platformId}`,
      `${LABELS.app}=${app}`,
    ]);
    return containers.flatMap((container) => {
      const identity = identityFromLabels(container.labels);
      return identity && identity.type !== "run" ? [{ ...identity, container }] : [];
    });
  }

  private spec(plan: AppPlan, process: ProcessPlan, num: number): ContainerSpec {
    return {
      name: containerName(plan.app, plan.version, process.type, num),
      image: plan.image,
      env: plan.env,
      cmd: process.command,
      labels: processLabels(this.options.platformId, plan.app, plan.version, process.type, num),
      memoryBytes: process.memoryBytes,
      nanoCpus: process.nanoCpus,
      pidsLimit: process.pidsLimit,
      network: this.network(plan.app),
      publish: process.routed ? { containerPort: plan.port, hostIp: this.options.hostIp } : undefined,
      volumes: volumeMounts(this.options.platformId, plan),
    };
  }

  private network(app: string): string {
    return appNetworkName(this.options.platformId, app);
  }

  private ensureNetwork(app: string): Promise<string> {
    return this.engine.ensureNetwork(appNetwork(this.options.platformId, app, "bridge"));
  }

  private address(container: ContainerState): string | null {
    return container.hostPort ? `${this.options.hostIp}:${container.hostPort}` : null;
  }

  /**
   * Starts one process and waits until it is healthy; returns its state, or throws UnhealthyError.
   * Checks go to the container's own address: the published port answers TCP (Docker's proxy)
   * before the app inside listens.
   */
  private async startHealthy(spec: ContainerSpec, process: ProcessPlan, port: number): Promise<ContainerState> {
    const id = await this.engine.createContainer(spec);
    await this.engine.startContainer(id);
    const started = await this.engine.inspectContainer(id);
    if (!started) throw new UnhealthyError("the container disappeared");
    return this.checkHealthy(started, process, port);
  }

  /** Waits until a started process passes its check (routed) or keeps running a moment (unrouted). */
  private async checkHealthy(started: ContainerState, process: ProcessPlan, port: number): Promise<ContainerState> {
    const id = started.id;
    const exited = async () => {
      const state = await this.engine.inspectContainer(id);
      if (!state) return "the container disappeared";
      return state.state === "running" ? null : `exited with code ${state.exitCode ?? "?"} before it was healthy`;
    };
    if (started.state !== "running") throw new UnhealthyError((await exited()) ?? "did not start");
    if (process.routed) {
      if (!started.hostPort || !started.ip) throw new UnhealthyError("no published port or network address");
      await waitUntilHealthy({ host: started.ip, port }, process.healthcheck, exited);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const problem = await exited();
      if (problem) throw new UnhealthyError(problem);
    }
    return (await this.engine.inspectContainer(id)) ?? started;
  }

  /** May a crashed process be started again now? Counts the attempt when it may; asks to be called back when not. */
  private mayRestart(app: string, name: string): boolean {
    const crash = this.crashes.get(name) ?? { count: 0, retryAt: 0 };
    if (Date.now() < crash.retryAt) {
      const notify = this.notify;
      if (notify && !this.retries.has(app)) {
        const timer = setTimeout(() => {
          this.retries.delete(app);
          notify(app);
        }, crash.retryAt - Date.now() + 10);
        timer.unref();
        this.retries.set(app, timer);
      }
      return false;
    }
    crash.count += 1;
    this.restarts.set(name, (this.restarts.get(name) ?? 0) + 1);
    this.options.metrics?.processRestarted();
    crash.retryAt = Date.now() + Math.min(2 ** (crash.count - 1), MAX_BACKOFF_SECONDS) * 1000;
    this.crashes.set(name, crash);
    return true;
  }

  async converge(plan: AppPlan, routes: RouteSink, isNew: boolean): Promise<void> {
    if (plan.processes.some((p) => p.count > 0)) await this.ensureNetwork(plan.app);
    const existing = await this.existing(plan.app);
    const byName = new Map(existing.map((e) => [e.container.name, e]));
    const routedBefore = new Set(await routes.published(plan.app));
    const wanted = new Set<string>();
    const starts: Promise<{ name: string; process: ProcessPlan; state: ContainerState } | { name: string; error: string }>[] = [];

    for (const process of plan.processes) {
      for (let num = 1; num <= process.count; num++) {
        const spec = this.spec(plan, process, num);
        wanted.add(spec.name);
        const current = byName.get(spec.name)?.container;
        if (current?.state === "running") {
          if (current.startedAt && Date.now() - current.startedAt.getTime() > STABLE_AFTER_MS) this.crashes.delete(spec.name);
          if (!process.routed || routedBefore.has(spec.name)) {
            const address = this.address(current);
            if (address) await routes.publish(plan.app, spec.name, address);
            continue;
          }
          // Running but never routed (its deploy was cut short, e.g. a controller died): check it first.
          starts.push(
            this.checkHealthy(current, process, plan.port).then(
              (state) => ({ name: spec.name, process, state }),
              (error: unknown) => ({ name: spec.name, error: error instanceof Error ? error.message : String(error) }),
            ),
          );
          continue;
        }
        if (current) {
          if (process.routed) await routes.unpublish(plan.app, spec.name);
          if (!isNew && !this.mayRestart(plan.app, spec.name)) continue;
          this.log.warn({ process: spec.name, exitCode: current.exitCode }, "process is down; starting it again");
          await this.engine.removeContainer(current.id);
        }
        starts.push(
          this.startHealthy(spec, process, plan.port).then(
            (state) => ({ name: spec.name, process, state }),
            (error: unknown) => ({ name: spec.name, error: error instanceof Error ? error.message : String(error) }),
          ),
        );
      }
    }

    const results = await Promise.all(starts);
    const failures = results.flatMap((r) => ("error" in r ? [`${r.name}: ${r.error}`] : []));
    if (failures.length > 0 && isNew) {
      for (const e of await this.existing(plan.app)) {
        if (e.version === plan.version) {
          await routes.unpublish(plan.app, e.container.name);
          await this.engine.removeContainer(e.container.id);
        }
      }
      throw new DeployFailed(failures.join("; "));
    }
    for (const failure of failures) this.log.error({ app: plan.app, failure }, "process did not come back");
    for (const result of results) {
      if ("state" in result && result.process.routed) {
        const address = this.address(result.state);
        if (address) await routes.publish(plan.app, result.name, address);
      }
    }

    const stale = existing.filter((e) => !wanted.has(e.container.name));
    if (stale.length === 0) return this.pruneVolumes(plan);
    const routed = new Set(await routes.published(plan.app));
    for (const e of stale) if (routed.has(e.container.name)) await routes.unpublish(plan.app, e.container.name);
    if (stale.some((e) => routed.has(e.container.name)) && this.options.drainSeconds > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.options.drainSeconds * 1000));
    }
    await Promise.all(stale.map((e) => this.engine.stopAndRemove(e.container.id, this.options.stopTimeoutSeconds)));
    for (const e of stale) {
      this.crashes.delete(e.container.name);
      this.restarts.delete(e.container.name);
    }
    await this.pruneVolumes(plan);
  }

  /** Deletes the app's volumes the plan no longer mounts (removed by the user) once no container uses them. */
  private async pruneVolumes(plan: AppPlan): Promise<void> {
    const keep = new Set(volumeMounts(this.options.platformId, plan).map((v) => v.name));
    const removed = await this.engine.removeVolumes([`${LABELS.platform}=${this.options.platformId}`, `${LABELS.app}=${plan.app}`], keep);
    if (removed.length > 0) this.log.info({ app: plan.app, volumes: removed }, "removed volumes the app no longer has");
  }

  async processes(app: string): Promise<ProcessStatus[]> {
    const oneOffs = await detachedOneOffs(this.engine, this.options.platformId, app);
    return (await this.existing(app))
      .map(({ container, type, num, version }): ProcessStatus => ({
        name: container.name,
        type,
        num,
        version,
        state: container.state,
        startedAt: container.startedAt,
        address: this.address(container),
        restarts: this.restarts.get(container.name) ?? 0,
      }))
      .concat(oneOffs)
      .sort((a, b) => a.type.localeCompare(b.type) || a.num - b.num || a.version - b.version);
  }

  async restart(plan: AppPlan, routes: RouteSink, type?: string | null, num?: number | null): Promise<number> {
    const targets = (await this.existing(plan.app)).filter(
      (e) => e.version === plan.version && (!type || e.type === type) && (!num || e.num === num),
    );
    for (const target of targets) {
      const process = plan.processes.find((p) => p.type === target.type);
      if (!process) continue;
      if (process.routed) await routes.unpublish(plan.app, target.container.name);
      await this.engine.stopAndRemove(target.container.id, this.options.stopTimeoutSeconds);
      this.crashes.delete(target.container.name);
      const state = await this.startHealthy(this.spec(plan, process, target.num), process, plan.port);
      const address = this.address(state);
      if (process.routed && address) await routes.publish(plan.app, target.container.name, address);
    }
    return targets.length;
  }

  async remove(app: string, routes: RouteSink): Promise<void> {
    const all = await this.engine.listContainers([`${LABELS.platform}=${this.options.platformId}`, `${LABELS.app}=${app}`]);
    for (const name of await routes.published(app)) await routes.unpublish(app, name);
    await Promise.all(all.map((c) => this.engine.stopAndRemove(c.id, this.options.stopTimeoutSeconds)));
    for (const c of all) {
      this.crashes.delete(c.name);
      this.restarts.delete(c.name);
    }
    await this.engine.removeNetworks([`${LABELS.platform}=${this.options.platformId}`, `${LABELS.app}=${app}`]);
  }

  async removeVolumes(app: string): Promise<void> {
    await this.engine.removeVolumes([`${LABELS.platform}=${this.options.platformId}`, `${LABELS.app}=${app}`]);
  }

  volumeNode(): Promise<string | null> {
    return Promise.resolve(null);
  }

  async runInteractive(plan: AppPlan, command: string, size: TerminalSize): Promise<TerminalContainer> {
    return startInteractiveOneOff(this.engine, this.options.platformId, plan, command, await this.ensureNetwork(plan.app), size);
  }

  async run(plan: AppPlan, command: string, timeoutMs: number, options?: OneOffOptions): Promise<RunResult> {
    return runOneOff(this.engine, this.options.platformId, plan, command, timeoutMs, await this.ensureNetwork(plan.app), options);
  }

  runDetached(plan: AppPlan, command: string): Promise<string> {
    return this.ensureNetwork(plan.app).then((network) => startDetachedOneOff(this.engine, this.options.platformId, plan, command, network));
  }

  stopOneOff(app: string, num: number): Promise<boolean> {
    return stopDetachedOneOff(this.engine, this.options.platformId, app, num, this.options.stopTimeoutSeconds);
  }

  async inShape(expected: readonly ExpectedApp[], routes: RouteSink): Promise<Set<string>> {
    const byApp = new Map<string, Existing[]>();
    for (const container of await this.engine.listContainers([`${LABELS.platform}=${this.options.platformId}`])) {
      const identity = identityFromLabels(container.labels);
      if (!identity || identity.type === "run") continue;
      byApp.set(identity.app, [...(byApp.get(identity.app) ?? []), { ...identity, container }]);
    }
    const fine = new Set<string>();
    for (const { app, version, processes } of expected) {
      const existing = byApp.get(app) ?? [];
      const wanted = new Map<string, boolean>();
      if (version !== null) {
        for (const p of processes) for (let num = 1; num <= p.count; num++) wanted.set(containerName(app, version, p.type, num), p.routed);
      }
      const shaped =
        existing.length === wanted.size &&
        existing.every(({ container }) => {
          const routed = wanted.get(container.name);
          return routed !== undefined && container.state === "running" && (!routed || (this.address(container) !== null && routes.keeps(app, container.name)));
        });
      if (!shaped) continue;
      fine.add(app);
      // What converge does for a running process: it has run long enough to forget its crashes.
      for (const { container } of existing) {
        if (container.startedAt && Date.now() - container.startedAt.getTime() > STABLE_AFTER_MS) this.crashes.delete(container.name);
      }
    }
    return fine;
  }

  /** The one engine, by the name it gives itself: ready when it answers. */
  async nodes(): Promise<RuntimeNode[]> {
    const name = await this.engine.swarm.node().then((node) => node.hostname, () => null);
    return [{ name: name ?? "unknown", address: this.options.hostIp, state: name === null ? "down" : "ready", availability: "active", role: "engine", labels: {} }];
  }

  async placementProblem(): Promise<string | null> {
    return null;
  }

  async apps(): Promise<string[]> {
    const all = await this.engine.listContainers([`${LABELS.platform}=${this.options.platformId}`]);
    return [...new Set(all.map((c) => c.labels[LABELS.app]).filter((app): app is string => Boolean(app)))];
  }

  watch(onChange: (app: string | null) => void): () => void {
    this.notify = onChange;
    const stop = this.engine.followEvents(
      {
        type: ["container"],
        event: ["die", "oom", "destroy", "stop"],
        label: [`${LABELS.platform}=${this.options.platformId}`],
      },
      {
        onEvent: (event) => {
          const identity = identityFromLabels(event.labels);
          if (identity && identity.type !== "run") onChange(identity.app);
        },
        onConnected: () => onChange(null),
        onError: (error) => this.log.warn({ err: error }, "lost the Docker event stream; reconnecting"),
      },
    );
    return () => {
      this.notify = null;
      for (const timer of this.retries.values()) clearTimeout(timer);
      this.retries.clear();
      stop();
    };
  }
}
