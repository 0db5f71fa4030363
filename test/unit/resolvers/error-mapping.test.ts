import { GraphQLError } from "graphql";
import pino from "pino";
import { DomainError, type DomainErrorCode, describeError, invalidInput } from "../../../src/core/errors";
import { BuildpackError } from "../../../src/modules/builder/buildpacks";
import { DockerfileError } from "../../../src/modules/builder/dockerfile";
import { DockerEngine, DockerUnavailable, ImageRefused, StackImageError } from "../../../src/modules/docker";
import { engineError } from "../../../src/modules/docker/docker-errors";
import { RegistryError } from "../../../src/modules/registry";
import { UnhealthyError } from "../../../src/modules/runtime/health";
import { DeployFailed } from "../../../src/modules/runtime/scheduler";
import { graphqlCode, toClientError } from "../../../src/resolvers/error-mapping";

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
    ["DEPLOY_FAILED", "DEPLOY_FAILED"],
    ["BUILD_REFUSED", "BAD_USER_INPUT"],
    ["IMAGE_REFUSED", "BAD_USER_INPUT"],
  ])("%s becomes %s", (code, expected) => {
    expect(graphqlCode(code)).toBe(expected);
    expect(toClientError(wrapped(new DomainError(code, "m")), log).extensions?.code).toBe(expected);
  });

  test("the table above names every code", () => {
    // A code added to DomainErrorCode fails to compile in graphqlCode; this keeps the test honest too.
    const codes: Record<DomainErrorCode, true> = {
      INVALID_INPUT: true, NOT_AUTHENTICATED: true, PERMISSION_DENIED: true, NOT_FOUND: true, ALREADY_EXISTS: true,
      STATE_CONFLICT: true, TOO_MANY_ATTEMPTS: true, UNAVAILABLE: true, DEPLOY_FAILED: true, BUILD_REFUSED: true, IMAGE_REFUSED: true,
    };
    for (const code of Object.keys(codes) as DomainErrorCode[]) expect(graphqlCode(code)).toMatch(/^[A-Z_]+$/);
  });

  test.each<[string, Error, string, string | undefined]>([
    ["a deploy that failed", new DeployFailed("web.1 exited with 1"), "DEPLOY_FAILED", undefined],
    ["a process that never became healthy", new UnhealthyError("failed 3 healthchecks"), "DEPLOY_FAILED", undefined],
    ["a Procfile the buildpack cannot read", new BuildpackError("Procfile names web twice", "Procfile"), "BAD_USER_INPUT", "Procfile"],
    ["a Dockerfile the builder refuses", new DockerfileError("line 1: ONBUILD is not supported"), "BAD_USER_INPUT", "Dockerfile"],
    ["an image the app may not use", new ImageRefused("another app's image cannot be used here"), "BAD_USER_INPUT", "image"],
    ["a registry that does not answer", new RegistryError("the registry does not answer"), "SERVICE_UNAVAILABLE", undefined],
    ["a host without busybox", new StackImageError("busybox is not installed"), "SERVICE_UNAVAILABLE", undefined],
    ["a Docker engine that is down", new DockerUnavailable(), "SERVICE_UNAVAILABLE", undefined],
  ])("%s is a typed error the client sees as is", (_, error, expected, field) => {
    expect(error).toBeInstanceOf(DomainError);
    const shown = toClientError(wrapped(error), log);
    expect(shown.message).toBe(error.message);
    expect(shown.extensions?.code).toBe(expected);
    expect(shown.extensions?.field).toBe(field);
  });

  test("Docker down during an API call answers SERVICE_UNAVAILABLE naming the engine, not its socket", async () => {
    const engine = new DockerEngine({ socketPath: "/nonexistent/deis-test/docker.sock" });
    const error = await engine.inspectImage("busybox:latest").then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DockerUnavailable);
    const logged: string[] = [];
    const shown = toClientError(wrapped(error as Error), pino({ level: "warn" }, { write: (line: string) => void logged.push(line) }));
    expect(shown.extensions?.code).toBe("SERVICE_UNAVAILABLE");
    expect(shown.message).toContain("Docker engine");
    expect(shown.message).not.toContain("/nonexistent");
    // The cause goes to the log, not to the user.
    expect(((error as Error).cause as { code?: string }).code).toBe("ENOENT");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain("/nonexistent/deis-test/docker.sock");
  });

  test("an engine that answers with an error is not called unreachable", async () => {
    const engine = new DockerEngine({ socketPath: "/nonexistent/deis-test/docker.sock" });
    await expect(engine.ping()).rejects.toBeInstanceOf(DockerUnavailable);
    const answered = Object.assign(new Error("(HTTP code 500) server error"), { statusCode: 500 });
    expect(engineError(answered)).toBe(answered);
  });

  test("one description for a person, shared by GraphQL and the push output", () => {
    expect(describeError(new BuildpackError("no buildpack detected"))).toBe("no buildpack detected");
    expect(describeError(new DockerUnavailable())).toContain("Docker engine");
    expect(describeError(new TypeError("Cannot read properties of undefined (reading 'secret')"))).toBe("internal server error");
    expect(describeError("a string")).toBe("internal server error");
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
