import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { LogLine as StoredLine } from "../core/topics";
import { LogDrain } from "../entities";
import { formatLine } from "../modules/logger";
import type { GraphQLContext } from "./context";
import { LogIngest, LogLine } from "./types/objects";

function toLogLine(line: StoredLine): LogLine {
  return { ...line, at: new Date(line.at), text: formatLine(line) };
}

@Resolver()
export class LogResolver {
  @Authorized()
  @Query(() => [LogLine], { description: "The app's most recent log lines, oldest first." })
  async logs(
    @Arg("app", () => String) app: string,
    @Arg("lines", () => Int, { defaultValue: 100 }) lines: number,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return (await services.logs.recent(ctx, app, lines)).map(toLogLine);
  }

  @Authorized()
  @Subscription(() => LogLine, {
    name: "logs",
    description: "The app's log lines as they arrive (its processes, the router, the platform), in order.",
    subscribe: ({ args, context }) => {
      const { ctx, services } = context as GraphQLContext;
      return services.streams.logs(ctx, (args as { app: string }).app);
    },
  })
  tail(@Root() line: StoredLine, @Arg("app", () => String) _app: string): LogLine {
    return toLogLine(line);
  }

  @Authorized()
  @Subscription(() => [LogLine], {
    name: "logBatches",
    description:
      "The app's log lines as they arrive, in the batches they were stored in (lines that arrived together), in order: " +
      "the same lines as `logs`, for clients that follow busy apps (one message per batch, not per line).",
    subscribe: ({ args, context }) => {
      const { ctx, services } = context as GraphQLContext;
      return services.streams.logBatches(ctx, (args as { app: string }).app);
    },
  })
  tailBatches(@Root() lines: readonly StoredLine[], @Arg("app", () => String) _app: string): LogLine[] {
    return lines.map(toLogLine);
  }

  @Authorized()
  @Query(() => [LogDrain], { description: "Where the app's log lines are also sent." })
  logDrains(@Arg("app", () => String) app: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.logs.drains(ctx, app);
  }

  @Authorized()
  @Mutation(() => LogDrain, { description: "Sends a copy of the app's log lines to syslog://host:port (UDP) or syslog+tcp://host:port." })
  addLogDrain(@Arg("app", () => String) app: string, @Arg("url", () => String) url: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.logs.addDrain(ctx, app, url);
  }

  @Authorized()
  @Mutation(() => Boolean)
  removeLogDrain(@Arg("app", () => String) app: string, @Arg("url", () => String) url: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.logs.removeDrain(ctx, app, url);
  }

  @Authorized()
  @Query(() => LogIngest, { description: "The app's syslog ingest token and where to send lines with it (owner, collaborators, admins)." })
  logIngest(@Arg("app", () => String) app: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.logs.ingest(ctx, app);
  }

  @Authorized()
  @Mutation(() => LogIngest, { description: "Replaces the app's syslog ingest token; lines with the old one are dropped from then on." })
  rotateLogIngestToken(@Arg("app", () => String) app: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.logs.rotateIngestToken(ctx, app);
  }
}
