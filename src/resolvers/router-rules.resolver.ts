import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import { App } from "../entities";
import type { GraphQLContext } from "./context";

/** Maintenance mode and access rules, applied by the router before the app. None makes a release. */
@Resolver(() => App)
export class RouterRulesResolver {
  @Authorized()
  @Mutation(() => App, { description: "Turns maintenance mode on or off: the router answers 503 with a maintenance page; processes keep running." })
  setMaintenance(
    @Arg("app", () => String) app: string,
    @Arg("on", () => Boolean) on: boolean,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.routerRules.setMaintenance(ctx, app, on);
  }

  @Authorized()
  @Mutation(() => App, { description: "Replaces the client addresses (IPv4/IPv6 CIDRs) the router lets through; [] lets every address through." })
  setAllowList(
    @Arg("app", () => String) app: string,
    @Arg("cidrs", () => [String]) cidrs: string[],
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.routerRules.setAllowList(ctx, app, cidrs);
  }

  @Authorized()
  @Mutation(() => App, { description: "The router asks for this username and password (HTTP basic auth); the password is stored hashed." })
  setBasicAuth(
    @Arg("app", () => String) app: string,
    @Arg("username", () => String) username: string,
    @Arg("password", () => String) password: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.routerRules.setBasicAuth(ctx, app, username, password);
  }

  @Authorized()
  @Mutation(() => App, { description: "The router no longer asks for a username and password." })
  removeBasicAuth(@Arg("app", () => String) app: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.routerRules.removeBasicAuth(ctx, app);
  }
}
