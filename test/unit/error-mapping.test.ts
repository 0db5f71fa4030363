import { GraphQLError } from "graphql";
import pino from "pino";
import { DomainError, type DomainErrorCode, invalidInput } from "../../src/core/errors";
import { graphqlCode, toClientError } from "../../src/resolvers/error-mapping";

const log = pino({ level: "silent" });

function wrapped(original: Error): GraphQLError {
  return new GraphQLError(original.message, { path: ["setConfig"], originalError: original });
}

describe("toClientError", () => {
  test.each<[DomainErrorCode, string]>([
    ["INVALID_INPUT", "BAD_USER_INPUT"],
    ["NOT_AUTHENTICATED", "UNAUTHENTICATED"],
    ["PERMISSION_DENIED", "FORBIDDEN"],
    ["NOT_FOUND", "NOT_FOUND"],
    ["ALREADY_EXISTS", "CONFLICT"],
    ["STATE_CONFLICT", "CONFLICT"],
    ["TOO_MANY_ATTEMPTS", "TOO_MANY_REQUESTS"],
    ["UNAVAILABLE", "SERVICE_UNAVAILABLE"],
  ])("%s becomes %s", (code, expected) => {
    expect(graphqlCode(code)).toBe(expected);
    expect(toClientError(wrapped(new DomainError(code, "m")), log).extensions?.code).toBe(expected);
  });

  test("bad input keeps its field and rule", () => {
    const error = toClientError(wrapped(invalidInput("values.FOO", "must be short")), log);
    expect(error).toEqual({
      message: "values.FOO: must be short",
      path: ["setConfig"],
      locations: undefined,
      extensions: { code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field: "values.FOO", rule: "must be short" },
    });
  });

  test("an unexpected error shows nothing of itself", () => {
    const error = toClientError(wrapped(new TypeError("Cannot read properties of undefined (reading 'secret')")), log);
    expect(error).toEqual({
      message: "internal server error",
      path: ["setConfig"],
      locations: undefined,
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });

  test("GraphQL's own validation errors pass through", () => {
    const error = toClientError(new GraphQLError('Cannot query field "nope" on type "Query".'), log);
    expect(error).toMatchObject({ message: 'Cannot query field "nope" on type "Query".', extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
  });
});
