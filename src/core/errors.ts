/**
 * Domain errors: every module throws these, never transport errors. The API maps each code to a
 * GraphQL `extensions.code` in ONE place (src/resolvers/error-mapping.ts); a new code without a
 * mapping there fails to compile.
 */
export type DomainErrorCode =
  | "INVALID_INPUT"
  | "NOT_AUTHENTICATED"
  | "PERMISSION_DENIED"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "STATE_CONFLICT"
  | "TOO_MANY_ATTEMPTS"
  /** A platform part the operation needs (Docker engine, registry, stack image, a lock) is not there now. */
  | "UNAVAILABLE"
  /** A release's processes did not start or never became healthy; what served keeps serving. */
  | "DEPLOY_FAILED"
  /** The pushed source cannot be built as it is (Procfile, package.json, Dockerfile). */
  | "BUILD_REFUSED"
  /** An image the app may not build from or deploy (another app's, unnamed, missing, ONBUILD). */
  | "IMAGE_REFUSED";

export interface ErrorDetails {
  /** The input field at fault, e.g. `name` or `values.FOO`. */
  readonly field?: string;
  /** The rule that field broke, in words a user can act on. */
  readonly rule?: string;
  /** For UNAVAILABLE: the platform component that is down (see `componentUnavailable`). */
  readonly component?: PlatformComponent;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    /** What caused it, for the log only (a transport error, say); never shown to a user. */
    options: { readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DomainError";
  }
}

/** What a person is told about anything that did not work, when it is not a domain error. */
export const INTERNAL_ERROR_MESSAGE = "internal server error";

/**
 * The one description of an error for a person, shared by the GraphQL mapping and the builder's
 * push output: a domain error's own message (written for users: bad input names its field and
 * rule); anything else is an internal fault whose message is for the log, never for the user.
 */
export function describeError(error: unknown): string {
  return error instanceof DomainError ? error.message : INTERNAL_ERROR_MESSAGE;
}

/** Bad input: names the field and the rule it broke. */
export function invalidInput(field: string, rule: string): DomainError {
  return new DomainError("INVALID_INPUT", `${field}: ${rule}`, { field, rule });
}

export function notFound(what: string, id: string | number): DomainError {
  return new DomainError("NOT_FOUND", `${what} "${id}" not found`);
}

export function alreadyExists(field: string, message: string): DomainError {
  return new DomainError("ALREADY_EXISTS", message, { field, rule: "must be unique" });
}

export function permissionDenied(message: string): DomainError {
  return new DomainError("PERMISSION_DENIED", message);
}

export function notAuthenticated(message = "log in first: this operation needs a valid token"): DomainError {
  return new DomainError("NOT_AUTHENTICATED", message);
}

/** The shared components a request may need; each can be down while the controller runs. */
export type PlatformComponent = "database" | "cache" | "discovery";

const COMPONENT_NAMES: Readonly<Record<PlatformComponent, string>> = {
  database: "the database (PostgreSQL)",
  cache: "the cache (Redis)",
  discovery: "discovery (etcd)",
};

/**
 * A component the request needs did not answer in time (or refused): the request changed nothing
 * and can be tried again once it is back. `cause` goes to the log only.
 */
export function componentUnavailable(component: PlatformComponent, cause?: unknown): DomainError {
  return new DomainError(
    "UNAVAILABLE",
    `${COMPONENT_NAMES[component]} is unavailable; nothing was changed, try again when it is back`,
    { component },
    { cause },
  );
}

export function stateConflict(message: string, details: ErrorDetails = {}): DomainError {
  return new DomainError("STATE_CONFLICT", message, details);
}
