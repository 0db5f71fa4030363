import type { Logger } from "../../core/logger";
import type { DockerEngine, ServiceDefinition, ServiceState, TaskState, TerminalContainer, TerminalSize } from "../docker";
import { UnhealthyError } from "./health";
import { LABELS, appNetwork, volumeMounts } from "./naming";
import { detachedOneOffs, removeDetachedOneOffs, runOneOff, startDetachedOneOff, startInteractiveOneOff, stopDetachedOneOff } from "./one-off";
import { type AppPlan, DeployFailed, type OneOffOptions, type ProcessStatus, type RouteSink, type RunResult, type RuntimeNode, type Scheduler } from "./scheduler";
import { SPEC_LABEL, type ServiceDefaults, serviceDefinition, swarmHealthcheckTiming } from "./swarm-service";

export interface SwarmSchedulerOptions {
  /** Label value that marks this platform's services; others on the swarm are left alone. */
  readonly platformId: string;
  /** A task's address when its node reports no usable one (missing or 0.0.0.0). */
  readonly hostIp: string;
  /** Seconds between unrouting a removed process type and removing its service. */
  readonly drainSeconds: number;
  /** Seconds a task gets after SIGTERM before SIGKILL. */
  readonly stopTimeoutSeconds: number;
}

/** One service this converge created or changed, and the spec its tasks must carry. */
interface Rollout {
  readonly id: string;
  readonly type: string;
  readonly digest: string;
  readonly forceUpdate: number;
  readonly created: boolean;
  /** The service is on a new spec: the one a failed deploy rolls back. */
  readonly specChanged: boolean;
}

interface Snapshot {
  readonly services: ServiceState[];
  readonly tasks: TaskState[];
}

const POLL_MS = 500;
/** Swarm restarts a task that died after this delay (a fixed one: Swarm has no growing back-off). */
const RESTART_DELAY_SECONDS = 3;
/** Seconds Swarm watches each updated task for failure (then rolls the whole update back). */
const MONITOR_SECONDS = 3;
/** Over a task's worst-case healthcheck: time to be placed, started, reported and monitored. */
const MARGIN_SECONDS = 30;
/** How long a converge that changed nothing waits for tasks on their way up (after a crash) to settle. */
const SETTLE_UNCHANGED_MS = 10_000;
/** How long a failed deploy waits for the rolled-back tasks to serve alone. */
const SETTLE_UNDO_MS = 60_000;
const IN_PROGRESS = new Set(["updating", "rollback_started"]);
const FAILED = new Set(["failed", "rejected", "complete", "orphaned"]);
/** The state `ps` shows for a task whose node is down (Swarm still says it runs there). */
const NODE_DOWN = "node-down";
/** What Swarm says of a task no node may run (constraints, resources): it waits for a node, which may never come. */
const UNPLACEABLE = /no suitable node/i;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs each process type of an app as one Docker Swarm service (`<app>_<type>`, replicas = scale),
 * so apps spread over every node of the swarm. Swarm rolls a new release one task at a time, start
 * first: a new task must be running (for routed types: pass the container healthcheck) before an
 * old one is told to stop, and a new task that fails rolls the whole service back. The scheduler
 * polls the tasks meanwhile and keeps the routes equal to the tasks that run and are meant to, new
 * ones published before old ones are removed, so an app never runs out of routes.
 *
 * Limits: Swarm stops an old task itself, so its route goes within one poll (POLL_MS) after Swarm
 * decides, not before (no drain); host-mode ports are published on every address of the node; a
 * process's container carries no deis.num label (Swarm cannot template labels: num is the task
 * slot); container events come from the manager's own engine only, so processes on other nodes are
 * re-checked by the reconciler's passes (and on node events).
 */
export class SwarmScheduler implements Scheduler {
  readonly kind = "swarm" as const;
  private readonly defaults: ServiceDefaults;

  constructor(
    private readonly engine: DockerEngine,
    private readonly options: SwarmSchedulerOptions,
    private readonly log: Logger,
  ) {
    this.defaults = {
      platformId: options.platformId,
      stopTimeoutSeconds: options.stopTimeoutSeconds,
      restartDelaySeconds: RESTART_DELAY_SECONDS,
      monitorSeconds: MONITOR_SECONDS,
    };
  }

  /**
   * Volumes are local to a node: the one this platform's engine is (a manager), where one-offs run
   * too. An app with volumes is pinned to it (a placement constraint); that node holds its data.
   */
  private async volumeNodeId(): Promise<string | null> {
    return (await this.engine.swarm.node()).id;
  }

  async volumeNode(): Promise<string | null> {
    const node = await this.engine.swarm.node();
    return node.hostname || node.id;
  }

  async removeVolumes(app: string): Promise<void> {
    await this.engine.removeVolumes(this.labels(app));
  }

  private labels(app?: string): string[] {
    return [`${LABELS.platform}=${this.options.platformId}`, ...(app ? [`${LABELS.app}=${app}`] : [])];
  }

  private async snapshot(app: string): Promise<Snapshot> {
    const [services, tasks] = await Promise.all([this.engine.swarm.listServices(this.labels(app)), this.engine.swarm.listTasks(this.labels(app))]);
    const ids = new Set(services.map((s) => s.id));
    // A task on a node the managers no longer hear from keeps its last state ("running") for as long
    // as the node is gone, though nothing may run there: it counts as lost, never as serving.
    const lost = (t: TaskState) => t.state === "running" && t.nodeState !== null && t.nodeState !== "ready";
    return { services, tasks: tasks.filter((t) => ids.has(t.serviceId)).map((t) => (lost(t) ? { ...t, state: NODE_DOWN } : t)) };
  }

  /** The name Docker gives the task's container; also its route's name in discovery. */
  private processName(snapshot: Snapshot, task: TaskState): string {
    const service = snapshot.services.find((s) => s.id === task.serviceId);
    return `${service?.name ?? task.serviceId}.${task.slot}.${task.id}`;
  }

  private address(task: TaskState): string | null {
    if (!task.publishedPort) return null;
    const host = task.nodeAddress && task.nodeAddress !== "0.0.0.0" ? task.nodeAddress : this.options.hostIp;
    return `${host}:${task.publishedPort}`;
  }

  /** Tasks that should get requests: they run (so passed their healthcheck) and are meant to. */
  private serving(snapshot: Snapshot): Map<string, string> {
    const serving = new Map<string, string>();
    for (const task of snapshot.tasks) {
      const address = this.address(task);
      if (task.state === "running" && task.desiredState === "running" && address) serving.set(this.processName(snapshot, task), address);
    }
    return serving;
  }

  /** Routes = serving tasks. `republish` puts every route again (under this controller's lease). */
  private async syncRoutes(app: string, snapshot: Snapshot, routes: RouteSink, republish = false): Promise<void> {
    const serving = this.serving(snapshot);
    const published = new Set(await routes.published(app));
    for (const [name, address] of serving) if (republish || !published.has(name)) await routes.publish(app, name, address);
    for (const name of published) if (!serving.has(name)) await routes.unpublish(app, name);
  }

  /** Every running task is of the service's current spec and meant to run, as many as its replicas, no update under way. */
  private settled(service: ServiceState, tasks: readonly TaskState[]): boolean {
    const running = tasks.filter((t) => t.serviceId === service.id && t.state === "running");
    const current = running.filter((t) => t.desiredState === "running" && this.isCurrent(t, service.labels[SPEC_LABEL], service.forceUpdate));
    return current.length === service.replicas && running.length === current.length && !IN_PROGRESS.has(service.updateState ?? "");
  }

  private isCurrent(task: TaskState, digest: string | undefined, forceUpdate: number): boolean {
    return task.labels[SPEC_LABEL] === digest && task.forceUpdate === forceUpdate;
  }

  /** Why a rollout failed, if it did: Swarm rolled it back or paused it, or (failFast) a new service's task ended. */
  private failure(rollout: Rollout, snapshot: Snapshot, failFast: boolean): string | null {
    const service = snapshot.services.find((s) => s.id === rollout.id);
    if (!service) return `the ${rollout.type} service disappeared`;
    if (service.labels[SPEC_LABEL] !== rollout.digest || service.forceUpdate !== rollout.forceUpdate) {
      return `${rollout.type} was rolled back (${service.updateMessage ?? "the update failed"})`;
    }
    if (service.updateState?.endsWith("paused")) return `the ${rollout.type} update paused (${service.updateMessage ?? "no reason given"})`;
    const current = snapshot.tasks.filter((t) => t.serviceId === rollout.id && this.isCurrent(t, rollout.digest, rollout.forceUpdate));
    const unplaceable = current.find((t) => t.state === "pending" && UNPLACEABLE.test(t.error ?? t.message ?? ""));
    if (failFast && unplaceable) return `no node can run ${rollout.type} (${unplaceable.error ?? unplaceable.message}): check the app's tags against the nodes' labels`;
    const ended = current.some((t) => FAILED.has(t.state));
    return failFast && rollout.created && ended ? `${rollout.type} did not start` : null;
  }

  /** The rollout's latest task that ended (else that is not running), as Swarm and its last healthcheck tell. */
  private async describe(rollout: Rollout, snapshot: Snapshot): Promise<string> {
    const task = snapshot.tasks
      .filter((t) => t.serviceId === rollout.id && t.state !== "running" && this.isCurrent(t, rollout.digest, rollout.forceUpdate))
      .sort((a, b) => Number(FAILED.has(b.state)) - Number(FAILED.has(a.state)) || (b.since?.getTime() ?? 0) - (a.since?.getTime() ?? 0))[0];
    if (!task) return "";
    const health = task.containerId ? await this.engine.swarm.lastHealthcheck(task.containerId).catch(() => null) : null;
    const detail = task.error ?? task.message;
    return `; ${rollout.type}.${task.slot} ${task.state}${detail ? ` (${detail})` : ""}${health ? `, last healthcheck ${health}` : ""}`;
  }

  /**
   * Polls until the rollouts' services (or, with none, all the app's services) have settled, the
   * routes following every round. Returns null, or what went wrong (a failure, or the deadline).
   */
  private async settle(app: string, routes: RouteSink, rollouts: readonly Rollout[], deadline: number, failFast: boolean): Promise<string | null> {
    for (;;) {
      const snapshot = await this.snapshot(app);
      await this.syncRoutes(app, snapshot, routes);
      for (const rollout of rollouts) {
        const problem = this.failure(rollout, snapshot, failFast);
        if (problem) return problem + (await this.describe(rollout, snapshot));
      }
      const watched = rollouts.length > 0 ? snapshot.services.filter((s) => rollouts.some((r) => r.id === s.id)) : snapshot.services;
      const pending = watched.filter((s) => !this.settled(s, snapshot.tasks));
      if (pending.length === 0) return null;
      if (Date.now() > deadline) {
        const details = await Promise.all(rollouts.filter((r) => pending.some((s) => s.id === r.id)).map((r) => this.describe(r, snapshot)));
        return `timed out waiting for ${pending.map((s) => s.name).join(", ")} to run healthy${details.join("")}`;
      }
      await sleep(POLL_MS);
    }
  }

  /** Longest a rollout may take: each task in turn through its worst healthcheck, plus a margin. */
  private deadline(plan: AppPlan): number {
    const perTask = plan.processes.map((p) => {
      const timing = swarmHealthcheckTiming(p.healthcheck);
      const check = p.routed ? timing.startSeconds + timing.retries * (timing.intervalSeconds + timing.timeoutSeconds) : 0;
      return (check + MONITOR_SECONDS + MARGIN_SECONDS) * Math.max(1, p.count);
    });
    return Date.now() + Math.max(MARGIN_SECONDS, ...perTask) * 1000;
  }

  /**
   * An image reference no node has to pull from the internet: `repo@digest` when the image is in a
   * registry (other nodes pull it from there), else its ID (it must then be on the node already).
   */
  private async imageReference(image: string): Promise<string> {
    const info = await this.engine.inspectImage(image);
    return info?.repoDigest ?? info?.id ?? image;
  }

  /** Creates or updates the service of each process type of the plan, recording in `rollouts` what to wait for. */
  private async apply(plan: AppPlan, before: Snapshot, isNew: boolean, rollouts: Rollout[]): Promise<void> {
    const image = await this.imageReference(plan.image);
    for (const process of plan.processes) {
      if (process.count <= 0) continue;
      const current = before.services.find((s) => s.labels[LABELS.type] === process.type);
      const { definition, digest } = serviceDefinition(plan, process, image, this.defaults, current?.forceUpdate ?? 0, await this.volumeNodeId());
      const specChanged = current?.labels[SPEC_LABEL] !== digest;
      if (!current) {
        const id = await this.engine.swarm.createService(definition);
        rollouts.push({ id, type: process.type, digest, forceUpdate: 0, created: true, specChanged });
      } else if (specChanged || current.replicas !== process.count) {
        await this.update(plan.app, current, definition);
        rollouts.push({ id: current.id, type: process.type, digest, forceUpdate: current.forceUpdate, created: false, specChanged });
      } else if (isNew) {
        // The new release's spec is there already (a deploy cut short, e.g. a controller died): watch it the same way.
        rollouts.push({ id: current.id, type: process.type, digest, forceUpdate: current.forceUpdate, created: false, specChanged: true });
      }
    }
  }

  /**
   * Gives a service a new definition under its own name. Swarm bumps a service's version as an update
   * moves on (or rolls back), so a version read a moment ago may be stale: read it again and retry.
   */
  private async update(app: string, service: ServiceState, definition: ServiceDefinition): Promise<void> {
    let version = service.version;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.engine.swarm.updateService(service.id, version, { ...definition, name: service.name });
      } catch (error) {
        if (attempt >= 5 || !/out of sequence/i.test(error instanceof Error ? error.message : String(error))) throw error;
        const fresh = (await this.engine.swarm.listServices(this.labels(app))).find((s) => s.id === service.id);
        if (!fresh) throw error;
        version = fresh.version;
      }
    }
  }

  /** After a failed deploy: removes the services it created, rolls back those it changed, waits for the old tasks alone. */
  private async undo(app: string, routes: RouteSink, rollouts: readonly Rollout[]): Promise<void> {
    const snapshot = await this.snapshot(app);
    for (const rollout of rollouts) {
      const service = snapshot.services.find((s) => s.id === rollout.id);
      if (!service) continue;
      if (rollout.created) {
        await this.engine.swarm.removeService(rollout.id);
      } else if (rollout.specChanged && service.labels[SPEC_LABEL] === rollout.digest) {
        // Swarm rolls back on its own when a new task fails; this is for a deadline that came first.
        await this.engine.swarm.rollbackService(rollout.id, service.version).catch((error: unknown) =>
          this.log.warn({ err: error, service: service.name }, "could not roll the service back"),
        );
      }
    }
    await this.settle(app, routes, [], Date.now() + SETTLE_UNDO_MS, false);
  }

  private ensureNetwork(app: string): Promise<string> {
    return this.engine.ensureNetwork(appNetwork(this.options.platformId, app, "overlay"));
  }

  async converge(plan: AppPlan, routes: RouteSink, isNew: boolean): Promise<void> {
    if (plan.processes.some((p) => p.count > 0)) await this.ensureNetwork(plan.app);
    const before = await this.snapshot(plan.app);
    const rollouts: Rollout[] = [];
    let problem: string | null = null;
    try {
      await this.apply(plan, before, isNew, rollouts);
    } catch (error) {
      if (!isNew) throw error;
      problem = `Swarm refused the service: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!problem) {
      const deadline = rollouts.length > 0 ? this.deadline(plan) : Date.now() + SETTLE_UNCHANGED_MS;
      problem = await this.settle(plan.app, routes, rollouts, deadline, isNew);
    }
    if (problem && isNew) {
      await this.undo(plan.app, routes, rollouts);
      throw new DeployFailed(problem);
    }
    if (problem && rollouts.length > 0) this.log.error({ app: plan.app, problem }, "processes did not settle");

    const wanted = new Set(plan.processes.filter((p) => p.count > 0).map((p) => p.type));
    const stale = before.services.filter((s) => !wanted.has(s.labels[LABELS.type] ?? ""));
    if (stale.length > 0) await this.removeServices(plan.app, stale, routes, this.options.drainSeconds);
    await this.syncRoutes(plan.app, await this.snapshot(plan.app), routes, true);
    // Volumes the app no longer has (on this node, which holds them); one an old task still uses goes on a later pass.
    const keep = new Set(volumeMounts(this.options.platformId, plan).map((v) => v.name));
    await this.engine.removeVolumes(this.labels(plan.app), keep);
  }

  /** Unroutes the services' tasks, waits `drainSeconds` for requests in flight, removes the services and waits for their containers here. */
  private async removeServices(app: string, services: readonly ServiceState[], routes: RouteSink, drainSeconds: number): Promise<void> {
    const snapshot = await this.snapshot(app);
    const names = snapshot.tasks.filter((t) => services.some((s) => s.id === t.serviceId)).map((t) => this.processName(snapshot, t));
    const published = new Set(await routes.published(app));
    const routed = names.filter((name) => published.has(name));
    for (const name of routed) await routes.unpublish(app, name);
    if (routed.length > 0 && drainSeconds > 0) await sleep(drainSeconds * 1000);
    await Promise.all(services.map((s) => this.engine.swarm.removeService(s.id)));
    const deadline = Date.now() + (this.options.stopTimeoutSeconds + 20) * 1000;
    while (Date.now() < deadline) {
      const left = await this.engine.listContainers([...this.labels(app), "com.docker.swarm.service.id"]);
      if (!left.some((c) => services.some((s) => s.id === c.labels["com.docker.swarm.service.id"]))) return;
      await sleep(POLL_MS);
    }
  }

  async processes(app: string): Promise<ProcessStatus[]> {
    const snapshot = await this.snapshot(app);
    const oneOffs = await detachedOneOffs(this.engine, this.options.platformId, app);
    return snapshot.tasks
      .filter((t) => t.desiredState === "running" || t.state === "running")
      .map((t): ProcessStatus => ({
        name: this.processName(snapshot, t),
        type: t.labels[LABELS.type] ?? "",
        num: t.slot,
        version: Number(t.labels[LABELS.release]?.replace(/^v/, "")),
        state: t.state,
        startedAt: t.state === "running" ? t.since : null,
        address: t.state === "running" ? this.address(t) : null,
        node: t.nodeName,
      }))
      .concat(oneOffs)
      .sort((a, b) => a.type.localeCompare(b.type) || a.num - b.num || a.version - b.version);
  }

  /**
   * Replaces every task of the matching services, one at a time, each new one healthy before its old
   * one stops (a Swarm force update). Swarm restarts a service's tasks as a whole, so a `num` only
   * selects the service (it must name a running process); all its tasks are restarted.
   */
  async restart(plan: AppPlan, routes: RouteSink, type?: string | null, num?: number | null): Promise<number> {
    const snapshot = await this.snapshot(plan.app);
    const image = await this.imageReference(plan.image);
    let restarted = 0;
    for (const process of plan.processes) {
      const service = snapshot.services.find((s) => s.labels[LABELS.type] === process.type);
      if (!service || process.count <= 0 || (type && process.type !== type)) continue;
      const running = snapshot.tasks.filter((t) => t.serviceId === service.id && t.state === "running");
      if (num && !running.some((t) => t.slot === num)) continue;
      const forceUpdate = service.forceUpdate + 1;
      const { definition, digest } = serviceDefinition(plan, process, image, this.defaults, forceUpdate, await this.volumeNodeId());
      await this.update(plan.app, service, definition);
      const rollout = { id: service.id, type: process.type, digest, forceUpdate, created: false, specChanged: true };
      const problem = await this.settle(plan.app, routes, [rollout], this.deadline(plan), false);
      if (problem) throw new UnhealthyError(problem);
      restarted += running.length;
    }
    await this.syncRoutes(plan.app, await this.snapshot(plan.app), routes, true);
    return restarted;
  }

  async remove(app: string, routes: RouteSink): Promise<void> {
    const { services } = await this.snapshot(app);
    for (const name of await routes.published(app)) await routes.unpublish(app, name);
    if (services.length > 0) await this.removeServices(app, services, routes, 0);
    await removeDetachedOneOffs(this.engine, this.options.platformId, app);
    await this.engine.removeNetworks(this.labels(app));
  }

  /** A plain container on the manager's engine (not a service): it must finish, and its output comes back. */
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

  /** None: telling a service's tasks apart from what should run takes a look per service; every pass converges every app. */
  inShape(): Promise<Set<string>> {
    return Promise.resolve(new Set());
  }

  async nodes(): Promise<RuntimeNode[]> {
    const nodes = await this.engine.swarm.listNodes();
    return nodes
      .map((n) => ({ name: n.hostname, address: n.address, state: n.state, availability: n.availability, role: n.role, labels: n.labels }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Tags are node labels (`node.labels.<key>==<value>`): some ready node that takes tasks must have them all. */
  async placementProblem(tags: Readonly<Record<string, string>>): Promise<string | null> {
    const wanted = Object.entries(tags);
    if (wanted.length === 0) return null;
    const nodes = (await this.engine.swarm.listNodes()).filter((n) => n.state === "ready" && n.availability === "active");
    if (nodes.some((n) => wanted.every(([key, value]) => n.labels[key] === value))) return null;
    const spelled = wanted.map(([key, value]) => `${key}=${value}`).join(", ");
    return `no node of the swarm that is up and takes tasks has the labels ${spelled}`;
  }

  async apps(): Promise<string[]> {
    const services = await this.engine.swarm.listServices(this.labels());
    return [...new Set(services.map((s) => s.labels[LABELS.app]).filter((app): app is string => Boolean(app)))];
  }

  watch(onChange: (app: string | null) => void): () => void {
    const onError = (error: unknown) => this.log.warn({ err: error }, "lost the Docker event stream; reconnecting");
    const stopContainers = this.engine.followEvents(
      { type: ["container"], event: ["start", "die", "oom", "destroy", "health_status"], label: this.labels() },
      {
        onEvent: (event) => {
          const app = event.labels[LABELS.app];
          if (app && event.labels[LABELS.type] !== "run") onChange(app);
        },
        onConnected: () => onChange(null),
        onError,
      },
    );
    // A node that goes down or comes back moves tasks between nodes: check every app.
    const stopNodes = this.engine.followEvents({ type: ["node"] }, { onEvent: () => onChange(null), onConnected: () => undefined, onError });
    return () => {
      stopContainers();
      stopNodes();
    };
  }
}
