import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from "type-graphql";
import { App, Release, User } from "../entities";
import type { GraphQLContext } from "./context";
import { selects } from "./selection";
import { ProcessCount } from "./types/objects";
import { ConnectionType, PageArgsType, pageComplexity } from "./types/pagination";

export const AppConnection = ConnectionType(App, "App");

@Resolver(() => App)
export class AppResolver {
  @Authorized()
  @Query(() => AppConnection, {
    description: "The apps you own or collaborate on (every app, for an admin), by name.",
    complexity: pageComplexity,
  })
  async apps(@Args(() => PageArgsType) page: PageArgsType, @Ctx() { ctx, services }: GraphQLContext, @Info() info: GraphQLResolveInfo) {
    const withLatestRelease = selects(info, ["nodes", "latestRelease"]);
    return new AppConnection(await services.apps.list(ctx, page, { withLatestRelease }));
  }

  @Authorized()
  @Query(() => App)
  app(@Arg("name", () => String) name: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.apps.get(ctx, name);
  }

  @Authorized()
  @Mutation(() => App, { description: "Creates an app and its release v1; a random name when none is given." })
  createApp(
    @Arg("name", () => String, { nullable: true }) name: string | null,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.apps.create(ctx, name);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Destroys an app with its releases, config and domains (owner only)." })
  destroyApp(@Arg("name", () => String) name: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.apps.destroy(ctx, name);
  }

  @Authorized()
  @Mutation(() => App, { description: "Gives an app to another user (owner only)." })
  transferApp(
    @Arg("name", () => String) name: string,
    @Arg("to", () => String, { description: "The new owner's username." }) to: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.apps.transfer(ctx, name, to);
  }

  @Authorized()
  @Mutation(() => App, {
    description:
      "Renames an app (owner or admin) and deploys what serves again under the new name; its old URL, git remote and processes go.",
  })
  renameApp(
    @Arg("app", () => String, { description: "The app's current name." }) app: string,
    @Arg("name", () => String, { description: "The new name (the same rule as createApp's)." }) name: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.apps.rename(ctx, app, name);
  }

  @FieldResolver(() => User)
  async owner(@Root() app: App, @Ctx() { ctx, services }: GraphQLContext) {
    return services.users.byId(ctx, app.ownerId);
  }

  @FieldResolver(() => String, { description: "Where the app answers, through the router." })
  url(@Root() app: App, @Ctx() { services }: GraphQLContext) {
    return services.platform.appUrl(app.name);
  }

  @FieldResolver(() => String, { description: "Add it as a git remote and `git push` to deploy." })
  gitRemote(@Root() app: App, @Ctx() { services }: GraphQLContext) {
    return services.platform.gitRemote(app.name);
  }

  @FieldResolver(() => [ProcessCount], { description: "How many containers of each process type should run." })
  structure(@Root() app: App): ProcessCount[] {
    return Object.entries(app.structure)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, count]) => ({ type, count }));
  }

  @FieldResolver(() => Release, { nullable: true, description: "The newest release (batched across a page of apps)." })
  latestRelease(@Root() app: App, @Ctx() { ctx, services }: GraphQLContext) {
    return services.releases.latest(ctx, app);
  }
}
