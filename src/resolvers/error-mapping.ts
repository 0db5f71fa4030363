import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { DomainError, type DomainErrorCode, describeError } from "../core/errors";
import type { Logger } from "../core/logger";
import { databaseOutage } from "../modules/database";

/** The GraphQL `extensions.code` clients see for each domain error code. */
export function graphqlCode(code: DomainErrorCode): string {
  switch (code) {
    case "INVALID_INPUT":
      return "BAD_USER_INPUT";
    case "NOT_AUTHENTICATED":
      return "UNAUTHENTICATED";
    case "PERMISSION_DENIED":
      return "FORBIDDEN";
    case "NOT_FOUND":
      return "NOT_FOUND";
    case "ALREADY_EXISTS":
    case "STATE_CONFLICT":
      return "CONFLICT";
    case "TOO_MANY_ATTEMPTS":
      return "TOO_MANY_REQUESTS";
    case "UNAVAILABLE":
      return "SERVICE_UNAVAILABLE";
    case "DEPLOY_FAILED":
      return "DEPLOY_FAILED";
    case "BUILD_REFUSED":
    case "IMAGE_REFUSED":
      return "BAD_USER_INPUT";
    default: {
      const unmapped: never = code;
      throw new Error(`no GraphQL code for domain error ${String(unmapped)}`);
    }
  }
}

/**
 * A domain error under what carries it: Apollo wraps an error thrown while building the request's
 * context (the token lookup, when the database is down) in a GraphQLError without a path; a
 * database driver's error that says the server is gone becomes the database's UNAVAILABLE.
 */
function outageOf(error: unknown): unknown {
  const inner = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (inner instanceof DomainError) return inner;
  return databaseOutage(inner) ?? error;
}

/**
 * The one place errors become what clients see, for HTTP (Apollo) and WebSocket (graphql-ws) alike.
 * Domain errors keep their message, field and rule; GraphQL's own parse/validation errors pass; anything
 * else is logged and replaced by a bare "internal server error" — no stack, no internal message.
 */
export function toClientError(error: unknown, log: Logger, formatted?: GraphQLFormattedError): GraphQLFormattedError {
  const where = formatted ?? (error instanceof GraphQLError ? error.toJSON() : { message: "" });
  const original = outageOf(unwrapResolverError(error));
  if (original instanceof DomainError) {
    // The user gets the domain message; what caused it (Docker's socket error, say) goes to the log.
    if (original.cause !== undefined) log.warn({ err: original.cause, code: original.code, path: where.path }, original.message);
    return {
      message: describeError(original),
      locations: where.locations,
      path: where.path,
      extensions: {
        code: graphqlCode(original.code),
        reason: original.code,
        ...(original.details.field ? { field: original.details.field } : {}),
        ...(original.details.rule ? { rule: original.details.rule } : {}),
        ...(original.details.component ? { component: original.details.component } : {}),
      },
    };
  }
  if (original instanceof GraphQLError) {
    const code = original.extensions?.code ?? where.extensions?.code ?? "GRAPHQL_VALIDATION_FAILED";
    if (code === "UNAUTHENTICATED") {
      return { ...where, message: "log in first: this operation needs a valid token", extensions: { code } };
    }
    if (code !== "INTERNAL_SERVER_ERROR") {
      return { message: original.message, locations: where.locations, path: where.path, extensions: { code } };
    }
  }
  log.error({ err: original, path: where.path }, "unexpected error in a GraphQL operation");
  return {
    message: describeError(original),
    locations: where.locations,
    path: where.path,
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}

/** The `extensions.code` a caller gets for an error (what the audit trail records as the outcome). */
export function clientCode(error: unknown): string {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return graphqlCode(original.code);
  if (original instanceof GraphQLError) {
    const code = original.extensions?.code;
    return typeof code === "string" ? code : "GRAPHQL_VALIDATION_FAILED";
  }
  return "INTERNAL_SERVER_ERROR";
}
