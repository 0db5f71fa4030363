import { stateConflict } from "../../core/errors";
import type { Logger } from "../../core/logger";
import type { DockerEngine, ImageNames, ImagePolicy, TerminalContainer, TerminalSize } from "../docker";
import type { RegistryClient } from "../registry";
import { LABELS } from "./naming";
import { ONE_OFF_TYPE, interactiveOneOffs } from "./one-off";
import { type AppPlan, DeployFailed, type ExpectedApp, type OneOffOptions, type ProcessStatus, type RouteSink, type RunResult, type RuntimeNode, type Scheduler } from "./scheduler";

/**
 * What the controller asks the runtime to run: one release of an app as a plain plan. `image` is the
 * build's image (the runtime names it for the release); `port` is the config's PORT, or null for the
 * image's first EXPOSEd port (or the default).
 */
export type ReleasePlan = Omit<AppPlan, "port" | "env"> & {
  readonly port: number | null;
  /** Config + DEIS_APP + DEIS_RELEASE; the runtime adds PORT. */
  readonly env: Readonly<Record<string, string>>;
};

export interface ReleaseRunnerOptions {
  /** The platform registry: destroyed apps' repositories are deleted there. */
  readonly registry: RegistryClient | null;
  /** Push each release's image to the registry (Swarm nodes pull from it). */
  readonly pushReleases: boolean;
  /** PORT when neither the config nor the image says. */
  readonly defaultPort: number;
  /** Marks this platform's containers (label deis.platform). */
  readonly platformId: string;
  /** One-offs an app may have running at once: one tenant cannot fill the host with them. */
  readonly oneOffsPerApp: number;
}

/**
 * The runtime's face for deploys: takes a release plan and makes it run (new processes healthy and
 * routed before old ones go), or throws DeployFailed. It keeps no state of its own about releases:
 * the controller decides which release runs and records what happened.
 */
export class ReleaseRunner {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly routes: RouteSink,
    private readonly engine: DockerEngine,
    private readonly images: ImagePolicy,
    private readonly names: ImageNames,
    private readonly options: ReleaseRunnerOptions,
    private readonly log: Logger,
  ) {}

  /** Runs the plan. `isNew`: the release never served, so failing to start it is a DeployFailed. */
  async apply(plan: ReleasePlan, isNew: boolean): Promise<void> {
    await this.scheduler.converge(await this.prepare(plan), this.routes, isNew);
  }

  /** Stops everything the app runs and its routes; with `destroyed`, its images too. */
  async remove(app: string, destroyed: boolean): Promise<void> {
    await this.scheduler.remove(app, this.routes);
    if (!destroyed) return;
    // A destroyed app's volumes go with it (a removed volume is pruned by the scheduler's converge).
    await this.scheduler.removeVolumes(app);
    await this.engine.removeImages(this.names.repository(app));
    await this.options.registry?.deleteRepository(app).catch((error: unknown) =>
      this.log.warn({ err: error, app }, "could not delete the app's images from the registry"),
    );
  }

  /**
   * Names the images of a renamed app in its new repository (`<repo>/<to>:<tag>`) and returns the
   * new reference of each one found; the old names go when the old name's leftovers are removed.
   */
  async renameImages(from: string, to: string, refs: readonly string[]): Promise<Map<string, string>> {
    const renamed = new Map<string, string>();
    for (const ref of new Set(refs)) {
      const target = this.names.renamed(ref, from, to);
      const image = target ? await this.engine.inspectImage(ref) : null;
      if (!target || !image) continue;
      await this.engine.tagImage(image.id, target);
      renamed.set(ref, target);
    }
    return renamed;
  }

  /** Takes back names renameImages gave (the rename did not happen). */
  async forgetImages(refs: readonly string[]): Promise<void> {
    for (const ref of refs) await this.engine.removeImage(ref).catch(() => undefined);
  }

  async restart(plan: ReleasePlan, type?: string | null, num?: number | null): Promise<number> {
    return this.scheduler.restart(await this.prepare(plan), this.routes, type, num);
  }

  async run(plan: ReleasePlan, command: string, timeoutMs: number): Promise<RunResult> {
    await this.roomForOneOff(plan.app);
    return this.scheduler.run(await this.prepare(plan), command, timeoutMs);
  }

  /**
   * The release phase: the release's command, once, as a one-off of the release's image, env and
   * network (with the given limits), before `apply` starts any of its processes. Throws DeployFailed
   * when the image cannot run; the command's own exit code is the caller's to judge.
   */
  async releasePhase(plan: ReleasePlan, command: string, timeoutMs: number, options: OneOffOptions): Promise<RunResult> {
    return this.scheduler.run(await this.prepare(plan), command, timeoutMs, { ...options, purpose: "release" });
  }

  /** An interactive one-off (`deis run -it`) with a terminal of `size`; the caller removes it. */
  async runInteractive(plan: ReleasePlan, command: string, size: TerminalSize): Promise<TerminalContainer> {
    await this.roomForOneOff(plan.app);
    return this.scheduler.runInteractive(await this.prepare(plan), command, size);
  }

  /** The interactive one-offs this controller's engine runs (to find those whose session is gone). */
  terminals(): Promise<{ id: string; startedAt: Date | null }[]> {
    return interactiveOneOffs(this.engine, this.options.platformId);
  }

  /** Kills and removes an interactive one-off whose session is gone. */
  removeTerminal(id: string): Promise<void> {
    return this.engine.removeContainer(id);
  }

  async runDetached(plan: ReleasePlan, command: string): Promise<string> {
    await this.roomForOneOff(plan.app);
    return this.scheduler.runDetached(await this.prepare(plan), command);
  }

  stopOneOff(app: string, num: number): Promise<boolean> {
    return this.scheduler.stopOneOff(app, num);
  }

  /** The engines processes run on: the local one, or each Swarm node. */
  nodes(): Promise<RuntimeNode[]> {
    return this.scheduler.nodes();
  }

  /** Why an app with these tags could not be placed now, or null. */
  placementProblem(tags: Readonly<Record<string, string>>): Promise<string | null> {
    return this.scheduler.placementProblem(tags);
  }

  processes(app: string): Promise<ProcessStatus[]> {
    return this.scheduler.processes(app);
  }

  /** Of `expected`, the apps that run exactly what they should (a reconciler pass skips them). */
  inShape(expected: readonly ExpectedApp[]): Promise<Set<string>> {
    return this.scheduler.inShape(expected, this.routes);
  }

  /** Apps the engine runs processes for (so a destroyed app's leftovers are found). */
  apps(): Promise<string[]> {
    return this.scheduler.apps();
  }

  /**
   * Refuses a one-off (run, run:detached, run -it, a cron run) while the app already has
   * `oneOffsPerApp` of them running. The release phase is the platform's own and is not counted against.
   */
  private async roomForOneOff(app: string): Promise<void> {
    const max = this.options.oneOffsPerApp;
    const labels = [`${LABELS.platform}=${this.options.platformId}`, `${LABELS.app}=${app}`, `${LABELS.type}=${ONE_OFF_TYPE}`];
    const running = (await this.engine.listContainers(labels)).filter((c) => c.state === "running" || c.state === "created").length;
    if (running >= max) {
      throw stateConflict(
        `${app} already has ${running} one-off processes running, the most an app may have at once (DEIS_ONE_OFFS_PER_APP=${max}): stop one with deis ps:stop run.N, or wait for one to end`,
      );
    }
  }

  /** The release's image, checked again and named for the release (pushed for Swarm), and its port. */
  private async prepare(plan: ReleasePlan): Promise<AppPlan> {
    const image = await this.engine.inspectImage(plan.image);
    if (!image) throw new DeployFailed(`image ${plan.image} is not on the Docker engine`);
    // Checked again here, on the image the name points at now, which is then tagged by its ID.
    const refused = this.images.problem({ name: plan.app, id: plan.appId }, image);
    if (refused) throw new DeployFailed(`image ${plan.image}: ${refused}`);
    const tagged = this.names.release(plan.app, plan.version);
    // Every converge comes here (each reconciler pass, for every app): tag only when the name is not on this image yet.
    if (!image.tags.includes(tagged)) await this.engine.tagImage(image.id, tagged);
    if (this.options.pushReleases) await this.engine.pushImage(tagged);
    const port = plan.port ?? image.exposedPort ?? this.options.defaultPort;
    return { ...plan, image: tagged, port, env: { ...plan.env, PORT: String(port) } };
  }
}
