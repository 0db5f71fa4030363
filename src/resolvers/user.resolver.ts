import { Arg, Args, Authorized, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import { User } from "../entities";
import type { GraphQLContext } from "./context";
import { ConnectionType, PageArgsType, pageComplexity } from "./types/pagination";

export const UserConnection = ConnectionType(User, "User");

@Resolver()
export class UserResolver {
  @Authorized()
  @Query(() => User, { description: "You." })
  viewer(@Ctx() { ctx, services }: GraphQLContext) {
    return services.users.viewer(ctx);
  }

  @Authorized()
  @Query(() => UserConnection, { description: "Every account (admins only).", complexity: pageComplexity })
  async users(@Args(() => PageArgsType) page: PageArgsType, @Ctx() { ctx, services }: GraphQLContext) {
    return new UserConnection(await services.users.list(ctx, page));
  }

  @Authorized()
  @Mutation(() => User, { description: "Makes a user an admin (admins only)." })
  grantAdmin(@Arg("username", () => String) username: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.users.grantAdmin(ctx, username);
  }

  @Authorized()
  @Mutation(() => User, { description: "Takes admin away from a user (admins only; never the last admin)." })
  revokeAdmin(@Arg("username", () => String) username: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.users.revokeAdmin(ctx, username);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: "Deletes your account (or a user's, for an admin). Refused while the account owns apps.",
  })
  cancelAccount(
    @Arg("username", () => String, { nullable: true }) username: string | null,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.users.cancelAccount(ctx, username);
  }
}
