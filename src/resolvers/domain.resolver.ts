import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { Domain } from "../entities";
import type { GraphQLContext } from "./context";
import { ConnectionType, PageArgsType, pageComplexity } from "./types/pagination";

export const DomainConnection = ConnectionType(Domain, "Domain");

@Resolver(() => Domain)
export class DomainResolver {
  @Authorized()
  @Query(() => DomainConnection, { description: "The app's custom domains.", complexity: pageComplexity })
  async domains(
    @Arg("app", () => String) app: string,
    @Args(() => PageArgsType) page: PageArgsType,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return new DomainConnection(await services.domains.list(ctx, app, page));
  }

  @Authorized()
  @Mutation(() => Domain, { description: "Routes a domain (or *.domain) to the app." })
  addDomain(
    @Arg("app", () => String) app: string,
    @Arg("domain", () => String) domain: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.domains.add(ctx, app, domain);
  }

  @Authorized()
  @Mutation(() => Boolean)
  removeDomain(
    @Arg("app", () => String) app: string,
    @Arg("domain", () => String) domain: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.domains.remove(ctx, app, domain);
  }
}
