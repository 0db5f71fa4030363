import { Arg, Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import { Build, User } from "../entities";
import type { GraphQLContext } from "./context";
import { ProcessType } from "./types/objects";
import { ConnectionType, pageComplexity } from "./types/pagination";
import { PageArgsType } from "./user.resolver";

export const BuildConnection = ConnectionType(Build, "Build");

@Resolver(() => Build)
export class BuildResolver {
  @Authorized()
  @Query(() => BuildConnection, { description: "The app's builds, newest first.", complexity: pageComplexity })
  async builds(
    @Arg("app", () => String) app: string,
    @Args(() => PageArgsType) page: PageArgsType,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return new BuildConnection(await services.builds.list(ctx, app, page));
  }

  @FieldResolver(() => [ProcessType], { description: "Process types from the Procfile." })
  processTypes(@Root() build: Build): ProcessType[] {
    return Object.entries(build.procfile)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, command]) => ({ type, command }));
  }

  @FieldResolver(() => User, { nullable: true })
  owner(@Root() build: Build, @Ctx() { ctx, services }: GraphQLContext) {
    return build.ownerId ? services.users.byId(ctx, build.ownerId) : null;
  }
}
