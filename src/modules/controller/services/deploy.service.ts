import { performance } from "node:perf_hooks";
import { type DataSource, In, IsNull, Not } from "typeorm";
import { systemContext } from "../../../core/context";
import { DomainError, stateConflict } from "../../../core/errors";
import type { Logger } from "../../../core/logger";
import { AppEventType, announce, appEventsTopic, logIntakeTopic, releasePhaseTopic } from "../../../core/topics";
import { memoryBytes, nanoCpus } from "../../../core/units";
import { App, Release, ReleaseStatus, Volume } from "../../../entities";
import type { EventBus, Lease, LockStore } from "../../cache";
import type { UnitOfWork } from "../unit-of-work";
import { loadExpectations } from "./deploy-expectations";
import type { PlatformMetrics } from "../../metrics";
import type { TerminalContainer, TerminalSize } from "../../docker";
import {
  DEFAULT_HEALTHCHECK,
  DeployFailed,
  type ProcessStatus,
  type ReconcileTarget,
  type ReleasePlan,
  type ReleaseRunner,
  type RunResult,
  RELEASE_TYPE,
  hasProcessTypes,
  isRouted,
  releaseCommand,
  structureFor,
} from "../../runtime";

export interface DeployOptions {
  /** Longest wait for another process's deploy of the same app. */
  readonly lockTimeoutMs: number;
  /** Every process's memory (unless the app's limits say) and pids limits. */
  readonly defaultLimits: { readonly memoryBytes: number; readonly pidsLimit: number };
  /** Longest a release command may run before it is stopped and its release fails. */
  readonly releasePhaseTimeoutMs: number;
  /** Counts deploys by outcome with their durations, and deploy lock waits. */
  readonly metrics?: PlatformMetrics;
}

/** How a release's deploy ended, as the builder waits for it. */
export interface DeployOutcome {
  readonly status: ReleaseStatus;
  readonly failureReason: string | null;
}

const DEPLOY_LOCK_TTL_MS = 10_000;
/** A deploy that found a component down is tried again after 1 s, then 2, 4... up to this. */
const RETRY_MAX_MS = 30_000;

/**
 * The controller's deploys (DESIGN.md "Who owns what"): which release of an app should run (the
 * newest with a build that did not fail), its plan, and what became of it (deployed, failed,
 * superseded), recorded here. The runtime only runs plans. One deploy per app at a time across the
 * platform (a lock in the cache), parallel across apps; requests made meanwhile fold into one.
 */
export class DeployService implements ReconcileTarget {
  private readonly active = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Apps whose deploy found a component down: how many times in a row, and the timer of the next try. */
  private readonly retries = new Map<string, { attempts: number; timer: NodeJS.Timeout | null }>();
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly runner: ReleaseRunner,
    private readonly locks: LockStore,
    private readonly events: EventBus,
    private readonly options: DeployOptions,
    private readonly log: Logger,
  ) {}

  /** Asks for the app to be brought up to date soon; returns at once. */
  converge(app: string): void {
    if (this.stopped) return;
    if (this.active.has(app)) {
      this.again.add(app);
      return;
    }
    const work = this.locked(app, (lease) => this.deploy(app, lease))
      .then(
        () => this.forgetRetry(app),
        (error: unknown) => {
          // A component down (the cache with the deploy locks, the database, discovery), a lock lost
          // or held: the release stays PENDING and is tried again soon, not at the next pass.
          if (error instanceof DomainError && error.code === "UNAVAILABLE") {
            const delayMs = this.retrySoon(app);
            this.log.warn({ err: error.cause ?? error, app, component: error.details.component, retryInMs: delayMs ?? "already scheduled" }, "deploy postponed");
          } else this.log.error({ err: error, app }, "deploy failed");
        },
      )
      .finally(() => {
        this.active.delete(app);
        if (this.again.delete(app)) this.converge(app);
      });
    this.active.set(app, work);
  }

  /** No more deploys from this process (the platform stops); retries waiting are dropped. */
  stop(): void {
    this.stopped = true;
    for (const app of [...this.retries.keys()]) this.forgetRetry(app);
  }

  /**
   * Schedules another converge of the app and returns its delay; null when one is already
   * scheduled. Only scheduled tries count towards the backoff: converges asked for meanwhile (engine
   * events, passes) that fail too do not make the wait grow.
   */
  private retrySoon(app: string): number | null {
    const retry = this.retries.get(app) ?? { attempts: 0, timer: null };
    this.retries.set(app, retry);
    if (retry.timer) return null;
    retry.attempts += 1;
    const delayMs = Math.min(1_000 * 2 ** (retry.attempts - 1), RETRY_MAX_MS);
    retry.timer = setTimeout(() => {
      retry.timer = null;
      this.converge(app);
    }, delayMs).unref();
    return delayMs;
  }

  private forgetRetry(app: string): void {
    const retry = this.retries.get(app);
    if (retry?.timer) clearTimeout(retry.timer);
    this.retries.delete(app);
  }

  /**
   * Throws UNAVAILABLE when a deploy could not start now (the cache that holds the deploy locks
   * does not answer): a change that makes a release checks it first, so it fails and changes
   * nothing rather than report a release that nothing will deploy until the cache is back.
   */
  async ready(): Promise<void> {
    await this.locks.ping();
  }

  /** Resolves when no deploy of the app (or of any app) is running or asked for in this process. */
  async settled(app?: string): Promise<void> {
    for (;;) {
      const pending = app ? [this.active.get(app)].filter(Boolean) : [...this.active.values()];
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  async apps(): Promise<string[]> {
    return (await this.dataSource.getRepository(App).find({ select: { name: true } })).map((a) => a.name);
  }

  /** Apps that run exactly what they should, read in one query and one look at the engine: a pass skips them. */
  async inShape(): Promise<Set<string>> {
    return this.runner.inShape(await loadExpectations(this.dataSource));
  }

  /**
   * Waits for the release's deploy to end: deployed (or superseded by a newer one that was), or
   * failed. Follows the app's events; the database answers what happened before it listened.
   */
  async outcome(app: string, releaseId: string, timeoutMs: number): Promise<DeployOutcome> {
    const events = await this.events.subscribe(appEventsTopic(app));
    const timer = setTimeout(() => void events.return?.(), timeoutMs);
    try {
      const read = async () => {
        const release = await this.dataSource.getRepository(Release).findOneByOrFail({ id: releaseId });
        return release.status === ReleaseStatus.PENDING ? null : { status: release.status, failureReason: release.failureReason };
      };
      const done = await read();
      if (done) return done;
      for await (const event of events) {
        if (event.type !== AppEventType.RELEASE_DEPLOYED && event.type !== AppEventType.RELEASE_FAILED) continue;
        const now = await read();
        if (now) return now;
      }
      return (await read()) ?? { status: ReleaseStatus.PENDING, failureReason: "the deploy is still running; see `deis releases`" };
    } finally {
      clearTimeout(timer);
      await events.return?.();
    }
  }

  processes(app: string): Promise<ProcessStatus[]> {
    return this.runner.processes(app);
  }

  /** Restarts processes of what serves; returns how many. */
  restart(app: string, type?: string | null, num?: number | null): Promise<number> {
    return this.locked(app, async () => {
      const plan = await this.servingPlan(app);
      return plan ? this.runner.restart(plan, type, num) : 0;
    });
  }

  /** Runs a one-off command with what serves; null when the app has nothing deployed. */
  async run(app: string, command: string, timeoutMs: number): Promise<RunResult | null> {
    const plan = await this.servingPlan(app);
    return plan ? this.runner.run(plan, command, timeoutMs) : null;
  }

  /**
   * Runs `work` while nothing pushes to or deploys the app (a rename): refused at once when a push
   * is in progress; waits for a running deploy.
   */
  async exclusive<T>(app: string, work: () => Promise<T>): Promise<T> {
    const push = await this.locks.tryAcquire(`push:${app}`, DEPLOY_LOCK_TTL_MS);
    if (!push) throw stateConflict(`a push to ${app} is in progress; try again when it is done`);
    try {
      await this.settled(app);
      return await this.locked(app, () => work());
    } finally {
      await push.release();
    }
  }

  /** Tags a renamed app's build images in its new repository (see ReleaseRunner.renameImages). */
  renameImages(from: string, to: string, refs: readonly string[]): Promise<Map<string, string>> {
    return this.runner.renameImages(from, to, refs);
  }

  /** Starts an interactive one-off (a terminal) with what serves; null when the app has nothing deployed. */
  async runInteractive(app: string, command: string, size: TerminalSize): Promise<TerminalContainer | null> {
    const plan = await this.servingPlan(app);
    return plan ? this.runner.runInteractive(plan, command, size) : null;
  }

  /** The interactive one-offs on this controller's engine (their sessions may be gone). */
  terminals(): Promise<{ id: string; startedAt: Date | null }[]> {
    return this.runner.terminals();
  }

  removeTerminal(id: string): Promise<void> {
    return this.runner.removeTerminal(id);
  }

  /** Starts a detached one-off with what serves; its name, or null when the app has nothing deployed. */
  async runDetached(app: string, command: string): Promise<string | null> {
    const plan = await this.servingPlan(app);
    return plan ? this.runner.runDetached(plan, command) : null;
  }

  stopOneOff(app: string, num: number): Promise<boolean> {
    return this.runner.stopOneOff(app, num);
  }

  forgetImages(refs: readonly string[]): Promise<void> {
    return this.runner.forgetImages(refs);
  }

  private async locked<T>(app: string, work: (lease: Lease) => Promise<T>): Promise<T> {
    // A short TTL (renewed while held) so a crashed controller's lock frees up quickly.
    const asked = performance.now();
    const lease = await this.locks.acquire(`deploy:${app}`, this.options.lockTimeoutMs, DEPLOY_LOCK_TTL_MS);
    this.options.metrics?.lockWaited("deploy", (performance.now() - asked) / 1000);
    try {
      return await work(lease);
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

  /** Fenced: a deploy whose lock lapsed (another controller may hold it now) stops before its next side effect. */
  private async deploy(name: string, lease: Lease): Promise<void> {
    for (;;) {
      const app = await this.dataSource.getRepository(App).findOneBy({ name });
      const release = app ? await this.runnable(app.id) : null;
      lease.assertHeld();
      if (!app || !release) {
        await this.runner.remove(name, !app);
        return;
      }
      const isNew = release.status === ReleaseStatus.PENDING;
      const started = performance.now();
      const plan = this.plan(app, release, await this.volumes(app));
      try {
        // The release phase: before any of the new release's processes start, so nothing moves when it fails.
        const refused = isNew ? await this.releasePhase(app, release, plan) : null;
        lease.assertHeld();
        if (refused) throw new DeployFailed(refused);
        await this.runner.apply(plan, isNew);
      } catch (error) {
        if (!(error instanceof DeployFailed) || !isNew) throw error;
        lease.assertHeld();
        await this.record(app, release, ReleaseStatus.FAILED, error.message);
        this.options.metrics?.deploy("failed", (performance.now() - started) / 1000);
        continue;
      }
      lease.assertHeld();
      if (isNew) {
        await this.record(app, release, ReleaseStatus.SUCCEEDED);
        this.options.metrics?.deploy("succeeded", (performance.now() - started) / 1000);
      }
      return;
    }
  }

  /**
   * Runs the release's release command (the build's Procfile `release`), when it has one and is not
   * a rollback, as a one-off of the release's image, config, limits (`release`'s, or the one-off
   * defaults) and network. Its steps and output go to the release-phase topic (the push relays them)
   * and the app's log (source `release`). Returns why the release fails, or null when it may go on.
   */
  private async releasePhase(app: App, release: Release, plan: ReleasePlan): Promise<string | null> {
    const command = release.runsReleasePhase ? releaseCommand(release.build!.procfile) : null;
    if (!command) return null;
    const say = (line: string, step: boolean) => {
      const at = new Date().toISOString();
      void this.events.publish(releasePhaseTopic(app.name), { app: app.name, version: release.version, line, step, at }).catch(() => undefined);
      void this.events.publish(logIntakeTopic, { app: app.name, source: RELEASE_TYPE, message: line, at }).catch(() => undefined);
    };
    const pending = { stdout: "", stderr: "" };
    const onOutput = (chunk: Buffer, stream: "stdout" | "stderr") => {
      const lines = (pending[stream] + chunk.toString("utf8")).split(/\r?\n/);
      pending[stream] = lines.pop() ?? "";
      for (const line of lines) say(line, false);
    };
    const { memory, cpu } = release.config.limits[RELEASE_TYPE] ?? {};
    const timeoutMs = this.options.releasePhaseTimeoutMs;
    say(`Running release command: ${command}`, true);
    const result = await this.runner.releasePhase(plan, command, timeoutMs, {
      limits: {
        memoryBytes: memoryBytes(memory ?? "") ?? plan.oneOff.memoryBytes,
        nanoCpus: nanoCpus(cpu ?? "") ?? undefined,
        pidsLimit: plan.oneOff.pidsLimit,
      },
      onOutput,
    });
    for (const rest of [pending.stdout, pending.stderr]) if (rest) say(rest, false);
    const reason = result.timedOut
      ? `release command timed out after ${Math.round(timeoutMs / 1000)} seconds`
      : result.exitCode !== 0
        ? `release command exited ${result.exitCode}`
        : null;
    say(reason ?? "release command succeeded", true);
    this.log.info({ app: app.name, version: release.version, exitCode: result.exitCode, timedOut: result.timedOut }, "release command ran");
    return reason;
  }

  /** Records a new release's outcome; a release that serves supersedes older pending ones and sets the app's scale. */
  private async record(app: App, release: Release, status: ReleaseStatus, reason?: string): Promise<void> {
    const failed = status === ReleaseStatus.FAILED;
    await this.unitOfWork.run(systemContext(this.log), async (tx) => {
      await tx.manager.update(Release, { id: release.id }, { status, failureReason: reason ?? null });
      if (status === ReleaseStatus.SUCCEEDED) {
        // The app's scale follows the build's process types now that it serves (a scale made meanwhile counts).
        await tx.manager.query(`SELECT id FROM apps WHERE id = $1 FOR UPDATE`, [app.id]);
        const { structure } = await tx.manager.findOneByOrFail(App, { id: app.id });
        await tx.manager.update(App, { id: app.id }, { structure: structureFor(release.build!.procfile, structure) });
        await tx.manager
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
      void announce(tx, {
        type: failed ? AppEventType.RELEASE_FAILED : AppEventType.RELEASE_DEPLOYED,
        app: app.name,
        actor: "deis",
        at: new Date().toISOString(),
        version: release.version,
        ...(reason ? { reason } : {}),
      });
    });
    if (failed) this.log.warn({ app: app.name, version: release.version, reason }, "release failed; the previous one keeps serving");
    else this.log.info({ app: app.name, version: release.version }, "release deployed");
  }

  /** What the release should run: its build's image, config, and each process type at the app's scale. */
  /** The app's volumes: they belong to the app, so every release (a rollback too) mounts them as they are now. */
  private async volumes(app: App): Promise<ReleasePlan["volumes"]> {
    const rows = await this.dataSource.getRepository(Volume).find({ where: { appId: app.id }, order: { name: "ASC" } });
    return rows.map(({ name, path }) => ({ name, path }));
  }

  private plan(app: App, release: Release, volumes: ReleasePlan["volumes"]): ReleasePlan {
    const { build, config } = release;
    const procfile = build!.procfile;
    const hasProcfile = hasProcessTypes(procfile);
    const { defaultLimits } = this.options;
    return {
      app: app.name,
      appId: app.id,
      version: release.version,
      image: build!.image,
      port: config.values.PORT ? Number(config.values.PORT) : null,
      env: { ...config.values, DEIS_APP: app.name, DEIS_RELEASE: `v${release.version}` },
      tags: config.tags,
      oneOff: defaultLimits,
      volumes,
      processes: Object.entries(structureFor(procfile, app.structure)).map(([type, count]) => ({
        type,
        count,
        command: hasProcfile ? ["/bin/sh", "-c", procfile[type]] : null,
        routed: isRouted(type, procfile),
        memoryBytes: memoryBytes(config.limits[type]?.memory ?? "") ?? defaultLimits.memoryBytes,
        nanoCpus: nanoCpus(config.limits[type]?.cpu ?? "") ?? undefined,
        pidsLimit: defaultLimits.pidsLimit,
        healthcheck: config.healthchecks[type] ?? DEFAULT_HEALTHCHECK,
      })),
    };
  }

  /** The plan of what serves now (the newest succeeded release), or null when nothing can run. */
  private async servingPlan(name: string): Promise<ReleasePlan | null> {
    const app = await this.dataSource.getRepository(App).findOneBy({ name });
    const release = app ? await this.runnable(app.id, [ReleaseStatus.SUCCEEDED]) : null;
    return app && release ? this.plan(app, release, await this.volumes(app)) : null;
  }
}
