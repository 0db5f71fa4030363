import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { Hook } from "../entities";
import type { GraphQLContext } from "./context";
import { AddedHook, HookDeliveryResult } from "./types/hooks";

@Resolver(() => Hook)
export class HookResolver {
  @Authorized()
  @Query(() => [Hook], { description: "The app's deploy hooks (owner, collaborators, admins)." })
  hooks(@Arg("app", () => String) app: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.hooks.list(ctx, app);
  }

  @Authorized()
  @Mutation(() => AddedHook, {
    description: "Calls the URL (POST, JSON, signed) when one of the app's releases is deployed or fails. The secret is shown only in this answer.",
  })
  addHook(@Arg("app", () => String) app: string, @Arg("url", () => String) url: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.hooks.add(ctx, app, url);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Removes a deploy hook and its deliveries." })
  removeHook(@Arg("app", () => String) app: string, @Arg("hook", () => ID) hook: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.hooks.remove(ctx, app, hook);
  }

  @Authorized()
  @Query(() => [HookDeliveryResult], { description: "A hook's deliveries, newest first, with each attempt." })
  async hookDeliveries(
    @Arg("app", () => String) app: string,
    @Arg("hook", () => ID) hook: string,
    @Arg("first", () => Int, { defaultValue: 20, description: "How many, 1 to 100." }) first: number,
    @Ctx() { ctx, services }: GraphQLContext,
  ): Promise<HookDeliveryResult[]> {
    return (await services.hooks.deliveries(ctx, app, hook, first)).map((d) => ({
      id: d.id,
      event: d.event,
      version: d.version,
      status: d.status,
      attempts: d.attempts.map((a) => ({ at: new Date(a.at), statusCode: a.statusCode, error: a.error })),
      nextAttemptAt: d.nextAttemptAt,
      createdAt: d.createdAt,
    }));
  }
}
