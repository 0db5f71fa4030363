import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import type { GraphQLContext } from "./context";
import { RegisterInput } from "./types/inputs";
import { AuthPayload } from "./types/objects";

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, {
    description: "Creates an account and logs it in. The first account is an admin.",
  })
  register(@Arg("input", () => RegisterInput) input: RegisterInput, @Ctx() { ctx, services }: GraphQLContext) {
    return services.auth.register(ctx, input);
  }

  @Mutation(() => AuthPayload, { description: "Exchanges a username and password for an API token." })
  login(
    @Arg("username", () => String) username: string,
    @Arg("password", () => String) password: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.auth.login(ctx, username, password);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Revokes the token this request used." })
  logout(@Ctx() { ctx, services }: GraphQLContext) {
    return services.auth.logout(ctx);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Changes your password; your other tokens stop working." })
  changePassword(
    @Arg("password", () => String, { description: "Your current password." }) password: string,
    @Arg("newPassword", () => String) newPassword: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.auth.changePassword(ctx, password, newPassword);
  }

  @Authorized()
  @Mutation(() => String, {
    description: "Revokes every token of a user (you, or anyone for an admin) and returns a new one.",
  })
  regenerateToken(
    @Arg("username", () => String, { nullable: true }) username: string | null,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.auth.regenerateToken(ctx, username);
  }
}
