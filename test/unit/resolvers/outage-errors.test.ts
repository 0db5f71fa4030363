import { GraphQLError } from "graphql";
import pino from "pino";
import { QueryFailedError } from "typeorm";
import { ConfigError, loadConfig } from "../../../src/core/config";
import { DomainError, componentUnavailable } from "../../../src/core/errors";
import { cacheError } from "../../../src/modules/cache/outage";
import { databaseOutage } from "../../../src/modules/database";
import { toClientError } from "../../../src/resolvers/error-mapping";

const log = pino({ level: "silent" });

function failedQuery(driverError: Error & { code?: string }): QueryFailedError {
  return new QueryFailedError("SELECT 1", [], driverError);
}

function withCode(message: string, code: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

describe("outage answers", () => {
  test("a component's UNAVAILABLE reaches the client as SERVICE_UNAVAILABLE naming it, without its cause", () => {
    const error = componentUnavailable("cache", new Error("connect ECONNREFUSED 10.1.2.3:6379"));
    const shown = toClientError(new GraphQLError(error.message, { path: ["logs"], originalError: error }), log);
    expect(shown).toMatchObject({ extensions: { code: "SERVICE_UNAVAILABLE", reason: "UNAVAILABLE", component: "cache" } });
    expect(shown.message).toMatch(/^the cache \(Redis\) is unavailable/);
    expect(shown.message).not.toContain("10.1.2.3");
  });

  test("an outage while the request's context is built (the token lookup) is mapped too, not an internal error", () => {
    const error = componentUnavailable("database");
    // Apollo wraps a failed context function in a GraphQLError without a path.
    const shown = toClientError(new GraphQLError(`Context creation failed: ${error.message}`, { originalError: error }), log);
    expect(shown.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "database" });
  });

  test.each([
    ["the connection dropped", new Error("Connection terminated unexpectedly")],
    ["the server shut down", withCode("terminating connection due to administrator command", "57P01")],
    ["the server is starting", withCode("the database system is starting up", "57P03")],
    ["a connection exception", withCode("connection failure", "08006")],
    ["the socket reset", withCode("read ECONNRESET", "ECONNRESET")],
    ["a statement that hung", new Error("Query read timeout")],
    ["a connect that hung", new Error("timeout expired")],
  ])("a failed statement because %s is the database's UNAVAILABLE", (_, driverError) => {
    const shown = toClientError(new GraphQLError("x", { path: ["apps"], originalError: failedQuery(driverError) }), log);
    expect(shown.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", component: "database" });
  });

  test("a statement PostgreSQL refused is not an outage: it stays an internal error", () => {
    const error = failedQuery(withCode('relation "nope" does not exist', "42P01"));
    expect(databaseOutage(error)).toBeNull();
    expect(toClientError(new GraphQLError("x", { path: ["apps"], originalError: error }), log)).toMatchObject({
      message: "internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
  });

  test("Redis transport failures are the cache's UNAVAILABLE; Redis's own answers and domain errors are not", () => {
    for (const message of ["Command timed out", "Stream isn't writeable and enableOfflineQueue options is false", "Connection is closed."]) {
      expect(cacheError(new Error(message))).toMatchObject({ code: "UNAVAILABLE", details: { component: "cache" } });
    }
    const reply = Object.assign(new Error("WRONGTYPE Operation against a key holding the wrong kind of value"), { name: "ReplyError" });
    expect(cacheError(reply)).toBe(reply);
    const busy = new DomainError("UNAVAILABLE", "busy");
    expect(cacheError(busy)).toBe(busy);
  });

  test("the timeouts are configurable within bounds, with named errors", () => {
    expect(loadConfig({})).toMatchObject({ componentTimeoutMs: 1500, databaseQueryTimeoutMs: 15_000 });
    expect(loadConfig({ DEIS_COMPONENT_TIMEOUT_MS: "800", DEIS_DATABASE_QUERY_TIMEOUT_MS: "60000" })).toMatchObject({
      componentTimeoutMs: 800,
      databaseQueryTimeoutMs: 60_000,
    });
    expect(() => loadConfig({ DEIS_COMPONENT_TIMEOUT_MS: "10" })).toThrow(ConfigError);
    expect(() => loadConfig({ DEIS_COMPONENT_TIMEOUT_MS: "10" })).toThrow(/DEIS_COMPONENT_TIMEOUT_MS: must be between 100 and 60000/);
    expect(() => loadConfig({ DEIS_DATABASE_QUERY_TIMEOUT_MS: "soon" })).toThrow(/DEIS_DATABASE_QUERY_TIMEOUT_MS: must be a whole number/);
  });
});
