import { Arg, Args, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Build, Config, Release, ReleaseStatus, User } from "../entities";
import type { GraphQLContext } from "./context";
import { ConnectionType, PageArgsType, pageComplexity } from "./types/pagination";

export const ReleaseConnection = ConnectionType(Release, "Release");

@Resolver(() => Release)
export class ReleaseResolver {
  @Authorized()
  @Query(() => ReleaseConnection, { description: "The app's releases, newest first.", complexity: pageComplexity })
  async releases(
    @Arg("app", () => String) app: string,
    @Args(() => PageArgsType) page: PageArgsType,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return new ReleaseConnection(await services.releases.list(ctx, app, page));
  }

  @Authorized()
  @Query(() => Release)
  release(
    @Arg("app", () => String) app: string,
    @Arg("version", () => Int) version: number,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.releases.get(ctx, app, version);
  }

  @Authorized()
  @Mutation(() => Release, {
    description: "Makes a new release from an earlier one's build and config (default: the one before the newest).",
  })
  rollback(
    @Arg("app", () => String) app: string,
    @Arg("version", () => Int, { nullable: true }) version: number | null,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.releases.rollback(ctx, app, version);
  }

  @FieldResolver(() => Boolean, { description: "True when the release failed to deploy; it never served." })
  failed(@Root() release: Release): boolean {
    return release.status === ReleaseStatus.FAILED;
  }

  @FieldResolver(() => Build, { nullable: true, description: "Null until the app's first build." })
  build(@Root() release: Release, @Ctx() { ctx, services }: GraphQLContext) {
    return release.buildId ? services.builds.byId(ctx, release.buildId) : null;
  }

  @FieldResolver(() => Config)
  config(@Root() release: Release, @Ctx() { ctx, services }: GraphQLContext) {
    return services.configs.byId(ctx, release.configId);
  }

  @FieldResolver(() => User, { nullable: true, description: "Who made the release." })
  owner(@Root() release: Release, @Ctx() { ctx, services }: GraphQLContext) {
    return release.ownerId ? services.users.byId(ctx, release.ownerId) : null;
  }
}
