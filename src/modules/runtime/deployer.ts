import { In, IsNull, Not, type DataSource } from "typeorm";
import type { Logger } from "../../core/logger";
import { memoryBytes, nanoCpus } from "../../core/units";
import { AppEventType, announce } from "../../core/topics";
import { App, Release, ReleaseStatus } from "../../entities";
import type { EventBus, LockStore } from "../cache";
import type { RegistryClient } from "../registry";
import type { DockerEngine, ImageNames, ImagePolicy } from "../docker";
import { structureFor } from "./formation";
import { DEFAULT_HEALTHCHECK } from "./health";
import { type AppPlan, DeployFailed, type ProcessStatus, type RouteSink, type RunResult, type Scheduler } from "./scheduler";

export interface DeployerOptions {
  /** The platform registry: destroyed apps' repositories are deleted there. */
  readonly registry: RegistryClient | null;
  /** Push each release's image to the registry (Swarm nodes pull from it). */
  readonly pushReleases: boolean;
  /** PORT when neither the config nor the image says. */
  readonly defaultPort: number;
  /** Longest wait for another process's deploy of the same app. */
  readonly lockTimeoutMs: number;
  /** Every process's memory (unless the app's limits say) and pids limits. */
  readonly defaultLimits: { readonly memoryBytes: number; readonly pidsLimit: number };
}

const DEPLOY_LOCK_TTL_MS = 10_000;

/**
 * Makes what runs match what the database says: the app's newest release that has a build and has
 * not failed, at the app's scale. One deploy per app at a time across the platform (a lock in the
 * cache), parallel across apps. A new release that never becomes healthy is marked failed and the
 * previous one keeps serving.
 */
export class Deployer {
  private readonly active = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly scheduler: Scheduler,
    private readonly routes: RouteSink,
    private readonly engine: DockerEngine,
    private readonly images: ImagePolicy,
    private readonly locks: LockStore,
    private readonly events: EventBus,
    private readonly names: ImageNames,
    private readonly options: DeployerOptions,
    private readonly log: Logger,
  ) {}

  /** Asks for the app to be brought up to date soon; returns at once. Requests made meanwhile fold into one. */
  request(app: string): void {
    if (this.active.has(app)) {
      this.again.add(app);
      return;
    }
    const work = this.locked(app, () => this.converge(app))
      .catch((error: unknown) => this.log.error({ err: error, app }, "deploy failed"))
      .finally(() => {
        this.active.delete(app);
        if (this.again.delete(app)) this.request(app);
      });
    this.active.set(app, work);
  }

  /** Resolves when no deploy of the app (or of any app) is running or asked for in this process. */
  async settled(app?: string): Promise<void> {
    for (;;) {
      const pending = app ? [this.active.get(app)].filter(Boolean) : [...this.active.values()];
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  private async locked<T>(app: string, work: () => Promise<T>): Promise<T> {
    // A short TTL (renewed while held) so a crashed controller's lock frees up quickly.
    const lease = await this.locks.acquire(`deploy:${app}`, this.options.lockTimeoutMs, DEPLOY_LOCK_TTL_MS);
    try {
      return await work();
    } finally {
      await lease.release();
    }
  }

  /** The newest release of the app that can run: it has a build and did not fail. */
  private runnable(appId: string, statuses = [ReleaseStatus.PENDING, ReleaseStatus.SUCCEEDED]): Promise<Release | null> {
    return this.dataSource.getRepository(Release).findOne({
      where: { appId, buildId: Not(IsNull()), status: In(statuses) },
      order: { version: "DESC" },
      relations: { build: true, config: true },
    });
  }

  private async converge(name: string): Promise<void> {
    for (;;) {
      const app = await this.dataSource.getRepository(App).findOneBy({ name });
      const release = app ? await this.runnable(app.id) : null;
      if (!app || !release) {
        await this.scheduler.remove(name, this.routes);
        if (!app) {
          await this.engine.removeImages(this.names.repository(name));
          await this.options.registry?.deleteRepository(name).catch((error: unknown) =>
            this.log.warn({ err: error, app: name }, "could not delete the app's images from the registry"),
          );
        }
        return;
      }
      const isNew = release.status === ReleaseStatus.PENDING;
      try {
        await this.scheduler.converge(await this.plan(app, release), this.routes, isNew);
      } catch (error) {
        if (!(error instanceof DeployFailed) || !isNew) throw error;
        await this.finish(app, release, ReleaseStatus.FAILED, error.message);
        continue;
      }
      if (isNew) await this.finish(app, release, ReleaseStatus.SUCCEEDED);
      return;
    }
  }

  private async finish(app: App, release: Release, status: ReleaseStatus, reason?: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.update(Release, { id: release.id }, { status, failureReason: reason ?? null });
      if (status === ReleaseStatus.SUCCEEDED) {
        // The app's scale follows the build's process types now that it serves (a scale made meanwhile counts).
        await manager.query(`SELECT id FROM apps WHERE id = $1 FOR UPDATE`, [app.id]);
        const { structure } = await manager.findOneByOrFail(App, { id: app.id });
        await manager.update(App, { id: app.id }, { structure: structureFor(release.build!.procfile, structure) });
        await manager
          .createQueryBuilder()
          .update(Release)
          .set({ status: ReleaseStatus.SUPERSEDED })
          .where(`"appId" = :appId AND version < :version AND status = :pending`, {
            appId: app.id,
            version: release.version,
            pending: ReleaseStatus.PENDING,
          })
          .execute();
      }
    });
    const failed = status === ReleaseStatus.FAILED;
    if (failed) this.log.warn({ app: app.name, version: release.version, reason }, "release failed; the previous one keeps serving");
    else this.log.info({ app: app.name, version: release.version }, "release deployed");
    await announce(this.events, {
      type: failed ? AppEventType.RELEASE_FAILED : AppEventType.RELEASE_DEPLOYED,
      app: app.name,
      actor: "deis",
      at: new Date().toISOString(),
      version: release.version,
      ...(reason ? { reason } : {}),
    });
  }

  /** What the release should run: its image tagged for the release, env, PORT and each type's count. */
  private async plan(app: App, release: Release): Promise<AppPlan> {
    const build = release.build!;
    const config = release.config;
    const image = await this.engine.inspectImage(build.image);
    if (!image) throw new DeployFailed(`image ${build.image} is not on the Docker engine`);
    // Checked again here, on the image the name points at now, which is then tagged by its ID.
    const refused = this.images.problem(app.name, image);
    if (refused) throw new DeployFailed(`image ${build.image}: ${refused}`);
    const tagged = this.names.release(app.name, release.version);
    await this.engine.tagImage(image.id, tagged);
    if (this.options.pushReleases) await this.engine.pushImage(tagged);
    const port = Number(config.values.PORT ?? image.exposedPort ?? this.options.defaultPort);
    const procfile = Object.keys(build.procfile).length > 0 ? build.procfile : null;
    const structure = structureFor(build.procfile, app.structure);
    return {
      app: app.name,
      version: release.version,
      image: tagged,
      port,
      env: { ...config.values, PORT: String(port), DEIS_APP: app.name, DEIS_RELEASE: `v${release.version}` },
      tags: config.tags,
      oneOff: this.options.defaultLimits,
      processes: Object.entries(structure).map(([type, count]) => ({
        type,
        count,
        command: procfile ? ["/bin/sh", "-c", procfile[type]] : null,
        routed: type === "web" || (type === "cmd" && !procfile),
        memoryBytes: memoryBytes(config.limits[type]?.memory ?? "") ?? this.options.defaultLimits.memoryBytes,
        pidsLimit: this.options.defaultLimits.pidsLimit,
        nanoCpus: nanoCpus(config.limits[type]?.cpu ?? "") ?? undefined,
        healthcheck: config.healthchecks[type] ?? DEFAULT_HEALTHCHECK,
      })),
    };
  }

  /** The plan of what serves now (the newest succeeded release), or null when nothing can run. */
  private async servingPlan(name: string): Promise<AppPlan | null> {
    const app = await this.dataSource.getRepository(App).findOneBy({ name });
    const release = app ? await this.runnable(app.id, [ReleaseStatus.SUCCEEDED]) : null;
    return app && release ? this.plan(app, release) : null;
  }

  processes(app: string): Promise<ProcessStatus[]> {
    return this.scheduler.processes(app);
  }

  /** Restarts processes of what serves; returns how many. */
  restart(app: string, type?: string | null, num?: number | null): Promise<number> {
    return this.locked(app, async () => {
      const plan = await this.servingPlan(app);
      return plan ? this.scheduler.restart(plan, this.routes, type, num) : 0;
    });
  }

  /** Runs a one-off command with what serves; null when the app has nothing deployed. */
  async run(app: string, command: string, timeoutMs: number): Promise<RunResult | null> {
    const plan = await this.servingPlan(app);
    return plan ? this.scheduler.run(plan, command, timeoutMs) : null;
  }

  /** Removes what a destroyed app left: processes, routes and its release images (the app is gone from the database). */
  destroy(app: string): void {
    this.request(app);
  }
}

