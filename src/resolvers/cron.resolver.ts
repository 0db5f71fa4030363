import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { CronJob } from "../entities";
import type { GraphQLContext } from "./context";

@Resolver(() => CronJob)
export class CronResolver {
  @Authorized()
  @Query(() => [CronJob], { description: "The app's scheduled jobs, oldest first." })
  cronJobs(@Arg("app", () => String) app: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.cron.list(ctx, app);
  }

  @Authorized()
  @Mutation(() => CronJob, {
    description:
      "Runs `command` as a one-off of the app's current release on a five-field schedule (minute hour day-of-month month day-of-week, UTC); its output goes to the app's log as cron.<id>. Makes no release.",
  })
  addCronJob(
    @Arg("app", () => String) app: string,
    @Arg("schedule", () => String) schedule: string,
    @Arg("command", () => String) command: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.cron.add(ctx, app, schedule, command);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Removes a scheduled job (a run in progress finishes)." })
  removeCronJob(@Arg("app", () => String) app: string, @Arg("id", () => String) id: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.cron.remove(ctx, app, id);
  }

  @FieldResolver(() => Date, { nullable: true, description: "When the job runs next (UTC); null when its schedule never comes (e.g. 30 FEB)." })
  nextRunAt(@Root() job: CronJob, @Ctx() { services }: GraphQLContext) {
    return services.cron.nextRunAt(job);
  }
}
