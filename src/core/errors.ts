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
  | "UNAVAILABLE";

export interface ErrorDetails {
  /** The input field at fault, e.g. `name` or `values.FOO`. */
  readonly field?: string;
  /** The rule that field broke, in words a user can act on. */
  readonly rule?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
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

export function stateConflict(message: string, details: ErrorDetails = {}): DomainError {
  return new DomainError("STATE_CONFLICT", message, details);
}
