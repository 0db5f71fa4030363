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
  const record = (outcome: string) => {
    const { details, summary, app, actor } = describeCall(operation, args);
    return context.services.audit.record(context.ctx, { operation, summary, details, app, outcome, username: actor });
  };
  let result: unknown;
  try {
    result = await next();
  } catch (error) {
    await record(clientCode(error));
    throw error;
  }
  await record("ok");
  return result;
};
