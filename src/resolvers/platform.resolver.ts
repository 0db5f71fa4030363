import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "./context";
import { ComponentStatus, Platform, RuntimeNode } from "./types/objects";

@Resolver(() => Platform)
export class PlatformResolver {
  @Query(() => Platform, { description: "This platform's domain and version; no login needed." })
  platform(@Ctx() { services }: GraphQLContext) {
    return services.platform.describe();
  }

  @Authorized()
  @Mutation(() => String, { description: "Sets who may register: enabled, disabled or admin_only (admins only). Returns the mode." })
  setRegistrationMode(@Arg("mode", () => String) mode: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.settings.setRegistrationMode(ctx, mode);
  }

  @FieldResolver(() => [ComponentStatus], {
    description: "Whether the database, the cache and discovery answer now (probed with a bound each); no login needed, like /healthz.",
  })
  async components(@Ctx() { services }: GraphQLContext) {
    return (await services.health.check()).components;
  }

  @Authorized()
  @FieldResolver(() => [RuntimeNode], {
    description: "The engines app processes run on (each Swarm node, or the one local engine) and whether each is up; admins only.",
  })
  nodes(@Ctx() { ctx, services }: GraphQLContext) {
    return services.platform.nodes(ctx);
  }

  @FieldResolver(() => [String], { description: 'The elections this controller process leads now (e.g. "reconciler").' })
  leads(@Ctx() { services }: GraphQLContext) {
    return services.health.leads();
  }
}
