import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { invalidInput, notFound } from "../../../core/errors";
import { AppEventType, announce, logIntakeTopic } from "../../../core/topics";
import { CronJob } from "../../../entities";
import type { EventBus } from "../../cache";
import { isUniqueViolation } from "../../database";
import { nextRun, parseSchedule } from "../cron/schedule";
import type { AccessService } from "./access.service";

export const MAX_CRON_JOBS_PER_APP = 20;
const MAX_COMMAND_LENGTH = 10_000;

/**
 * An app's scheduled jobs (`deis cron:add`): stored in the database, run by the elected cron
 * scheduler (cron/cron-scheduler.ts). Like config, the owner, collaborators and admins manage them;
 * adding or removing one makes no release (a job runs whatever release serves when it fires).
 */
export class CronService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly events: EventBus,
  ) {}

  async list(ctx: RequestContext, appName: string): Promise<CronJob[]> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    return this.dataSource.getRepository(CronJob).find({ where: { appId: app.id }, order: { createdAt: "ASC", id: "ASC" } });
  }

  async add(ctx: RequestContext, appName: string, schedule: string, command: string): Promise<CronJob> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    parseSchedule(schedule);
    if (command.trim().length === 0) throw invalidInput("command", "must not be empty: the shell command the job runs, e.g. node jobs/cleanup.js");
    if (command.length > MAX_COMMAND_LENGTH) throw invalidInput("command", `must be at most ${MAX_COMMAND_LENGTH.toLocaleString("en")} characters`);
    const repository = this.dataSource.getRepository(CronJob);
    if ((await repository.countBy({ appId: app.id })) >= MAX_CRON_JOBS_PER_APP) {
      throw invalidInput("schedule", `an app has at most ${MAX_CRON_JOBS_PER_APP} scheduled jobs; remove one first`);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const job = await repository.save(
          repository.create({ id: randomBytes(4).toString("hex"), appId: app.id, schedule: schedule.trim().replace(/\s+/g, " "), command, lastRunAt: null }),
        );
        ctx.log.info({ app: app.name, job: job.id, schedule: job.schedule }, "cron job added");
        await this.say(app.name, ctx.actorName, `${ctx.actorName} added cron job ${job.id} (${job.schedule}): ${command}`);
        return job;
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 5) throw error;
      }
    }
  }

  async remove(ctx: RequestContext, appName: string, id: string): Promise<boolean> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const result = await this.dataSource.getRepository(CronJob).delete({ appId: app.id, id: id.trim().toLowerCase() });
    if (!result.affected) throw notFound("cron job", id);
    ctx.log.info({ app: app.name, job: id }, "cron job removed");
    await this.say(app.name, ctx.actorName, `${ctx.actorName} removed cron job ${id}`);
    return true;
  }

  /** When the job fires next (UTC), from now. */
  nextRunAt(job: CronJob, now = new Date()): Date | null {
    return nextRun(parseSchedule(job.schedule), now);
  }

  /** The line in the app's log, and the event that tells live views of the app to look again. */
  private async say(app: string, actor: string, message: string): Promise<void> {
    const at = new Date().toISOString();
    await Promise.all([
      this.events.publish(logIntakeTopic, { app, source: "deis[api]", message, at }),
      announce(this.events, { type: AppEventType.SETTINGS_CHANGED, app, actor, at, summary: message }),
    ]).catch(() => undefined);
  }
}
