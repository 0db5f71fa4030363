import type { Command } from "../context";
import { time } from "../output";
import { reportRelease } from "./config";

/** Scheduled jobs (one-offs on a cron schedule, no release) and persistent volumes (a new release each). */
export const cronVolumesCommands: Command[] = [
  {
    name: "cron",
    aliases: ["cron:list"],
    topic: "cron",
    usage: "",
    description: "list the app's scheduled jobs (schedules are in UTC)",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { cronJobs } = await ctx.sdk.CronJobs({ app });
      ctx.out.result(cronJobs, (jobs) =>
        ctx.out.line(
          ctx.out.heading(`${app} Cron`),
          jobs.length === 0
            ? `no scheduled jobs; add one with deis cron:add "*/5 * * * *" "node jobs/cleanup.js"`
            : ctx.out.table(
                ["id", "schedule", "command", "last run", "next run"],
                jobs.map((j) => [j.id, j.schedule, j.command, j.lastRunAt ? time(j.lastRunAt) : "never", j.nextRunAt ? time(j.nextRunAt) : "never"]),
              ),
        ),
      );
    },
  },
  {
    name: "cron:add",
    topic: "cron",
    usage: "SCHEDULE COMMAND",
    description: "run COMMAND as a one-off of the current release on a five-field schedule (UTC); output in deis logs as cron.ID",
    examples: [`deis cron:add "*/5 * * * *" "node jobs/cleanup.js"`, `deis cron:add "30 2 * * MON-FRI" "python manage.py report"`, `deis cron:add @daily "rake db:prune"`],
    app: true,
    args: { min: 2 },
    async run(ctx) {
      const app = await ctx.app();
      const [schedule, ...command] = ctx.args;
      const { addCronJob } = await ctx.sdk.AddCronJob({ app, schedule, command: command.join(" ") });
      ctx.out.result(addCronJob, (j) =>
        ctx.out.line(`Added cron job ${j.id} to ${app}: ${j.schedule} ${j.command}${j.nextRunAt ? ` (next run ${time(j.nextRunAt)})` : ""}`),
      );
    },
  },
  {
    name: "cron:remove",
    topic: "cron",
    usage: "ID",
    description: "remove a scheduled job (a run in progress finishes)",
    examples: ["deis cron:remove 3fa2b1c0"],
    app: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      await ctx.sdk.RemoveCronJob({ app, id: ctx.args[0] });
      ctx.out.result({ removed: ctx.args[0] }, () => ctx.out.line(`Removed cron job ${ctx.args[0]} from ${app}`));
    },
  },
  {
    name: "volumes",
    aliases: ["volumes:list"],
    topic: "volumes",
    usage: "",
    description: "list the app's persistent volumes",
    app: true,
    async run(ctx) {
      const app = await ctx.app();
      const { volumes } = await ctx.sdk.Volumes({ app });
      const swarm = volumes.some((v) => v.node);
      ctx.out.result(volumes, (list) =>
        ctx.out.line(
          ctx.out.heading(`${app} Volumes`),
          list.length === 0
            ? "no volumes; add one with deis volumes:add data /data"
            : ctx.out.table(
                ["name", "path", ...(swarm ? ["node"] : []), "added"],
                list.map((v) => [v.name, v.path, ...(swarm ? [v.node ?? ""] : []), time(v.createdAt)]),
              ),
        ),
      );
    },
  },
  {
    name: "volumes:add",
    topic: "volumes",
    usage: "NAME PATH",
    description: "mount a named persistent volume at PATH in every process and one-off, in a new release",
    examples: ["deis volumes:add data /data", "deis volumes:add uploads /app/storage/uploads"],
    app: true,
    deploys: true,
    args: { min: 2, max: 2 },
    async run(ctx) {
      const app = await ctx.app();
      const { addVolume } = await ctx.sdk.AddVolume({ app, name: ctx.args[0], path: ctx.args[1] });
      await reportRelease(ctx, app, addVolume);
    },
  },
  {
    name: "volumes:remove",
    topic: "volumes",
    usage: "NAME",
    description: "unmount a volume in a new release; its data is deleted",
    examples: ["deis volumes:remove data"],
    app: true,
    deploys: true,
    args: { min: 1, max: 1 },
    async run(ctx) {
      const app = await ctx.app();
      const { removeVolume } = await ctx.sdk.RemoveVolume({ app, name: ctx.args[0] });
      await reportRelease(ctx, app, removeVolume);
    },
  },
];
