import type { MiddlewareFn } from "type-graphql";
import { describeCall } from "../audit-descriptions";
import type { GraphQLContext } from "../context";
import { clientCode } from "../error-mapping";

/**
 * Records every top-level mutation in the audit trail once it has ended: who, from where, what (only
 * what its audit description allows), the app, and "ok" or the code the caller got. Refused before
 * it runs for want of a login, a mutation is not recorded (no one to name); sign-ins are, both ways.
 */
export const auditMutations: MiddlewareFn<GraphQLContext> = async ({ args, info, context }, next) => {
  if (info.parentType !== info.schema.getMutationType() || info.path.prev !== undefined) return next();
  const operation = info.fieldName;
  const record = (outcome: string, result?: unknown) => {
    const { details, summary, app, actor } = describeCall(operation, args);
    // A sign-in or sign-up that worked answers with the account: its id names who it was.
    const signedIn = (result as { user?: { id?: unknown } } | null | undefined)?.user?.id;
    const userId = actor && typeof signedIn === "string" ? signedIn : null;
    return context.services.audit.record(context.ctx, { operation, summary, details, app, outcome, username: actor, userId });
  };
  let result: unknown;
  try {
    result = await next();
  } catch (error) {
    await record(clientCode(error));
    throw error;
  }
  await record("ok", result);
  return result;
};
