import { Ctx, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "./context";
import { Platform } from "./types/objects";

@Resolver()
export class PlatformResolver {
  @Query(() => Platform, { description: "This platform's domain and version; no login needed." })
  platform(@Ctx() { services }: GraphQLContext) {
    return services.platform.describe();
  }
}
