import { Arg, Authorized, Ctx, FieldResolver, Float, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import { App } from "../entities";
import type { GraphQLContext } from "./context";
import { ProcessCountInput } from "./types/inputs";
import { Process, ProcessMetrics, RunResult } from "./types/objects";
import type { ProcessMetricsSample } from "../modules/controller";
import type { ProcessStatus } from "../modules/runtime";

@Resolver()
export class ProcessResolver {
  @Authorized()
  @Query(() => [Process], { description: "The app's processes, live from the engine." })
  processes(@Arg("app", () => String) app: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.processes.processes(ctx, app);
  }

  @Authorized()
  @Subscription(() => ProcessMetrics, {
    description:
      "The app's processes with their CPU, memory (and limit), network and restarts: a sample at once, then every few seconds (DEIS_PROCESS_METRICS_SECONDS); ends when the app is destroyed or you lose access.",
    subscribe: ({ args, context }) => {
      const { ctx, services } = context as GraphQLContext;
      return services.streams.processMetrics(ctx, (args as { app: string }).app);
    },
  })
  processMetrics(@Root() sample: ProcessMetricsSample, @Arg("app", () => String) _app: string): ProcessMetrics {
    return { app: sample.app, at: sample.at, processes: [...sample.processes] };
  }

  @Authorized()
  @Mutation(() => App, {
    description: "Sets how many processes of each type run (makes no release); the change rolls out in the background.",
  })
  scale(
    @Arg("app", () => String) app: string,
    @Arg("processes", () => [ProcessCountInput]) processes: ProcessCountInput[],
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.processes.scale(ctx, app, processes);
  }

  @Authorized()
  @Mutation(() => [Process], { description: "Restarts every process, one type, or one process (type and num), one at a time." })
  restart(
    @Arg("app", () => String) app: string,
    @Arg("type", () => String, { nullable: true }) type: string | null,
    @Arg("num", () => Int, { nullable: true }) num: number | null,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.processes.restart(ctx, app, type, num);
  }

  @Authorized()
  @Mutation(() => RunResult, { description: "Runs a one-off command with the app's image and config, then removes it." })
  run(
    @Arg("app", () => String) app: string,
    @Arg("command", () => String) command: string,
    @Arg("timeoutSeconds", () => Int, { defaultValue: 60 }) timeoutSeconds: number,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.processes.run(ctx, app, command, timeoutSeconds);
  }

  @Authorized()
  @Mutation(() => String, {
    description:
      "Starts a one-off command in the background with the app's image and config; returns its process name (run.4821), under which its output goes to the app's log.",
  })
  runDetached(
    @Arg("app", () => String) app: string,
    @Arg("command", () => String) command: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.processes.runDetached(ctx, app, command);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Stops a detached one-off (run.4821, as processes lists it)." })
  stopOneOff(
    @Arg("app", () => String) app: string,
    @Arg("name", () => String) name: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.processes.stopOneOff(ctx, app, name);
  }
}

/** What a process uses, read from the engine only when a client asks for one of these fields. */
@Resolver(() => Process)
export class ProcessUsageResolver {
  @FieldResolver(() => Float, {
    nullable: true,
    description: "CPU it used since the previous reading, in percent of one core (200 = two cores); null when not running or not known.",
  })
  async cpuPercent(@Root() process: ProcessStatus, @Ctx() { ctx, services }: GraphQLContext) {
    return (await services.processes.usage(ctx, process)).cpuPercent;
  }

  @FieldResolver(() => Float, { nullable: true, description: "Memory in use, in bytes, without the page cache; null when not running." })
  async memoryBytes(@Root() process: ProcessStatus, @Ctx() { ctx, services }: GraphQLContext) {
    return (await services.processes.usage(ctx, process)).memoryBytes;
  }

  @FieldResolver(() => Float, { nullable: true, description: "Its memory limit, in bytes; null when not running." })
  async memoryLimitBytes(@Root() process: ProcessStatus, @Ctx() { ctx, services }: GraphQLContext) {
    return (await services.processes.usage(ctx, process)).memoryLimitBytes;
  }

  @FieldResolver(() => Float, { nullable: true, description: "Bytes received on its network since it started; null when not running." })
  async networkRxBytes(@Root() process: ProcessStatus, @Ctx() { ctx, services }: GraphQLContext) {
    return (await services.processes.usage(ctx, process)).networkRxBytes;
  }

  @FieldResolver(() => Float, { nullable: true, description: "Bytes sent on its network since it started; null when not running." })
  async networkTxBytes(@Root() process: ProcessStatus, @Ctx() { ctx, services }: GraphQLContext) {
    return (await services.processes.usage(ctx, process)).networkTxBytes;
  }
}
