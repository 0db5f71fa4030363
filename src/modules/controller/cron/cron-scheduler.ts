import type { DataSource } from "typeorm";
import { describeError } from "../../../core/errors";
import type { Logger } from "../../../core/logger";
import { logIntakeTopic } from "../../../core/topics";
import { CronJob } from "../../../entities";
import type { EventBus } from "../../cache";
import { type DiscoveryStore, LeaderLoop } from "../../discovery";
import type { RunResult } from "../../runtime";
import { type CronSchedule, matches, parseSchedule } from "./schedule";

export interface CronSchedulerOptions {
  /**
   * Seconds between ticks, 1 to 60. At 60 (the default) a tick falls on each minute and each job
   * whose schedule matches that minute runs once. Below 60 every tick in a matching minute runs the
   * job (a `* * * * *` job runs every few seconds): for tests and trials.
   */
  readonly tickSeconds: number;
  /** A run still going after this long is stopped. */
  readonly timeoutSeconds: number;
  /** This process's name in the election. */
  readonly candidate: string;
  /** The election's name; the platform id keeps platforms sharing an etcd apart. */
  readonly election: string;
}

/** How a job's command runs: a one-off of what the app serves now; null when nothing is deployed. */
export interface OneOffRunner {
  run(app: string, command: string, timeoutMs: number): Promise<RunResult | null>;
}

export interface ScheduledJob {
  readonly id: string;
  readonly app: string;
  readonly schedule: string;
  readonly command: string;
}

/** Where the jobs are kept: every job with its app's name, and the per-tick claim. */
export interface CronJobStore {
  all(): Promise<ScheduledJob[]>;
  /** Moves the job's last run to `tick` unless it is there (or later) already: true for the one caller that did. */
  claim(id: string, tick: Date): Promise<boolean>;
}

/** The jobs in the database (the cron_jobs table). */
export function databaseCronJobs(dataSource: DataSource): CronJobStore {
  return {
    all: () =>
      dataSource
        .getRepository(CronJob)
        .createQueryBuilder("job")
        .innerJoin("job.app", "app")
        .select(["job.id AS id", "app.name AS app", "job.schedule AS schedule", "job.command AS command"])
        .getRawMany<ScheduledJob>(),
    async claim(id, tick) {
      const result = await dataSource
        .createQueryBuilder()
        .update(CronJob)
        .set({ lastRunAt: tick })
        .where(`id = :id AND ("lastRunAt" IS NULL OR "lastRunAt" < :tick)`, { id, tick })
        .execute();
      return (result.affected ?? 0) > 0;
    },
  };
}

/**
 * Runs the apps' scheduled jobs. One controller at a time schedules (elected, like the reconciler);
 * each tick is claimed per job in the database (`lastRunAt` only moves forward), so a tick runs a
 * job once even when the leadership changes hands during it. A job whose previous run still runs
 * in this scheduler is skipped for that tick, and the skip is said in the app's log. Output goes to
 * the app's log with the source `cron.<id>` when the run ends (one-offs return their output whole).
 */
export class CronScheduler {
  private readonly loop: LeaderLoop;
  private readonly running = new Map<string, { readonly slot: Date; readonly done: Promise<void> }>();
  private readonly parsed = new Map<string, CronSchedule>();

  constructor(
    private readonly jobs: CronJobStore,
    private readonly runner: OneOffRunner,
    private readonly events: Pick<EventBus, "publish">,
    discovery: DiscoveryStore,
    private readonly options: CronSchedulerOptions,
    private readonly log: Logger,
    /** The time now; unit tests give their own. */
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.loop = new LeaderLoop(discovery, options.election, options.candidate, () => this.lead(), log);
  }

  start(): void {
    this.loop.start();
  }

  /** While elected: a timer on tick boundaries (multiples of tickSeconds since the epoch). */
  private lead(): Promise<() => void> {
    const period = this.options.tickSeconds * 1000;
    let timer: NodeJS.Timeout | null = null;
    let stopped = false;
    const arm = () => {
      const now = this.clock().getTime();
      const next = Math.floor(now / period) * period + period;
      timer = setTimeout(() => {
        if (stopped) return;
        void this.tick(new Date(next)).catch((error: unknown) => this.log.warn({ err: error }, "cron tick failed; the next one will try again"));
        arm();
      }, next - now);
      timer.unref();
    };
    arm();
    return Promise.resolve(() => {
      stopped = true;
      if (timer) clearTimeout(timer);
    });
  }

  /** Runs the jobs due at `slot` (a tick's time) that no scheduler claimed for it yet. */
  async tick(slot: Date): Promise<void> {
    for (const job of await this.jobs.all()) {
      if (!matches(this.schedule(job.schedule), slot)) continue;
      if (!(await this.jobs.claim(job.id, slot))) continue;
      const previous = this.running.get(job.id);
      if (previous) {
        this.log.info({ app: job.app, job: job.id, tick: slot.toISOString(), running: previous.slot.toISOString() }, "cron run skipped: the previous one is still going");
        await this.say(job, `skipped the run of ${slot.toISOString()}: the run of ${previous.slot.toISOString()} is still going`);
        continue;
      }
      const done = this.runJob(job, slot).finally(() => this.running.delete(job.id));
      this.running.set(job.id, { slot, done });
    }
  }

  private schedule(text: string): CronSchedule {
    let schedule = this.parsed.get(text);
    if (!schedule) {
      schedule = parseSchedule(text);
      if (this.parsed.size > 10_000) this.parsed.clear();
      this.parsed.set(text, schedule);
    }
    return schedule;
  }

  private async runJob(job: ScheduledJob, slot: Date): Promise<void> {
    const log = this.log.child({ app: job.app, job: job.id });
    try {
      await this.say(job, `run of ${slot.toISOString()} started: ${job.command}`);
      const result = await this.runner.run(job.app, job.command, this.options.timeoutSeconds * 1000);
      if (!result) {
        await this.say(job, `run of ${slot.toISOString()} skipped: ${job.app} has nothing deployed yet`);
        return;
      }
      const lines = result.output.split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      for (const line of lines) await this.say(job, line);
      await this.say(
        job,
        result.timedOut
          ? `run of ${slot.toISOString()} took longer than ${this.options.timeoutSeconds} s and was stopped`
          : `run of ${slot.toISOString()} exited with code ${result.exitCode}`,
      );
      log.info({ exitCode: result.exitCode, timedOut: result.timedOut }, "cron job ran");
    } catch (error) {
      log.warn({ err: error }, "cron job could not run");
      await this.say(job, `run of ${slot.toISOString()} could not start: ${describeError(error)}`);
    }
  }

  private async say(job: ScheduledJob, message: string): Promise<void> {
    await this.events
      .publish(logIntakeTopic, { app: job.app, source: `cron.${job.id}`, message, at: this.clock().toISOString() })
      .catch((error: unknown) => this.log.warn({ err: error }, "could not log a cron line"));
  }

  /** Stops scheduling; waits a little for runs in flight (their containers are the engine's; a long run is left to finish alone). */
  async stop(): Promise<void> {
    await this.loop.stop();
    const inFlight = [...this.running.values()].map((r) => r.done);
    if (inFlight.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(inFlight), new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
    clearTimeout(timer);
  }
}
