import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { Collaborator } from "../entities";
import type { GraphQLContext } from "./context";
import { ConnectionType, PageArgsType, pageComplexity } from "./types/pagination";

export const CollaboratorConnection = ConnectionType(Collaborator, "Collaborator");

@Resolver(() => Collaborator)
export class CollaboratorResolver {
  @Authorized()
  @Query(() => CollaboratorConnection, { description: "Who may work on the app besides its owner.", complexity: pageComplexity })
  async collaborators(
    @Arg("app", () => String) app: string,
    @Args(() => PageArgsType) page: PageArgsType,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return new CollaboratorConnection(await services.collaborators.list(ctx, app, page));
  }

  @Authorized()
  @Mutation(() => Collaborator, { description: "Lets a user work on the app (owner only)." })
  addCollaborator(
    @Arg("app", () => String) app: string,
    @Arg("username", () => String) username: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.collaborators.add(ctx, app, username);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Takes a collaborator off the app (owner only)." })
  removeCollaborator(
    @Arg("app", () => String) app: string,
    @Arg("username", () => String) username: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.collaborators.remove(ctx, app, username);
  }
}
