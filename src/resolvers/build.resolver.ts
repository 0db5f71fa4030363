import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { Build, Release, User } from "../entities";
import type { GraphQLContext } from "./context";
import { ProcessTypeInput } from "./types/inputs";
import { ProcessType } from "./types/objects";
import { ConnectionType, PageArgsType, pageComplexity } from "./types/pagination";

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

  @Authorized()
  @Mutation(() => Release, {
    description: "Deploys a prebuilt image (tag required): a build, a release, and a deploy in the background.",
  })
  deployImage(
    @Arg("app", () => String) app: string,
    @Arg("image", () => String) image: string,
    @Arg("procfile", () => [ProcessTypeInput], { nullable: true, description: "Without one, the image's CMD runs as `cmd`." })
    procfile: ProcessTypeInput[] | null,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.builds.deployImage(ctx, app, image, procfile);
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
