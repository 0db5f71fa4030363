import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "./context";
import { Platform } from "./types/objects";

@Resolver()
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
}
