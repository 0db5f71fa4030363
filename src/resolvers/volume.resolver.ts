import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver } from "type-graphql";
import { Release, Volume } from "../entities";
import type { GraphQLContext } from "./context";

@Resolver(() => Volume)
export class VolumeResolver {
  @Authorized()
  @Query(() => [Volume], { description: "The app's persistent volumes, by name." })
  volumes(@Arg("app", () => String) app: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.volumes.list(ctx, app);
  }

  @Authorized()
  @Mutation(() => Release, {
    description:
      "Mounts a named persistent volume at `path` in every process and one-off of the app, in a new release (same build and config); it stays across releases, restarts and rollbacks.",
  })
  addVolume(
    @Arg("app", () => String) app: string,
    @Arg("name", () => String) name: string,
    @Arg("path", () => String) path: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.volumes.add(ctx, app, name, path);
  }

  @Authorized()
  @Mutation(() => Release, { description: "Unmounts a volume in a new release; its data is deleted once no process uses it." })
  removeVolume(@Arg("app", () => String) app: string, @Arg("name", () => String) name: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.volumes.remove(ctx, app, name);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "Under Swarm, the node that holds the volume (the app's processes are pinned to it); null on a single engine.",
  })
  node(@Ctx() { services }: GraphQLContext) {
    return services.volumes.node();
  }
}
