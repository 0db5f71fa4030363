import { Arg, Args, Authorized, Ctx, Query, Resolver } from "type-graphql";
import { AuditEvent } from "../entities";
import type { GraphQLContext } from "./context";
import { ConnectionType, PageArgsType, pageComplexity } from "./types/pagination";

export const AuditEventConnection = ConnectionType(AuditEvent, "AuditEvent");

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Authorized()
  @Query(() => AuditEventConnection, {
    description: "The audit trail, newest first: an app's (owner, collaborators, admins), or without `app` the whole platform's (admins only).",
    complexity: pageComplexity,
  })
  async audit(
    @Arg("app", () => String, { nullable: true }) app: string | null,
    @Args(() => PageArgsType) page: PageArgsType,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return new AuditEventConnection(await services.audit.list(ctx, app ?? null, page));
  }
}
