import { DeisApiError, DeisConnectionClosedError, DeisTimeoutError } from "../sdk/client";

/** Something went wrong that the user can fix: printed as "Error: <message>" (plus a hint), exit 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The command line itself is wrong (unknown command or flag, missing argument): exit 2 with the usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage to show; none for an unknown command. */
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** The message of anything thrown (an Error of any realm, or a value). */
function messageOf(error: unknown): string {
  if (error && typeof error === "object" && typeof (error as { message?: unknown }).message === "string") return (error as { message: string }).message;
  return String(error);
}

/** The cause behind fetch's "fetch failed", e.g. ECONNREFUSED. */
function networkCause(error: unknown): string | null {
  if (messageOf(error) !== "fetch failed") return null;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? "network error";
}

/** True when `message` names `field` as a word of its own ("name: must be..." does; "an app named" does not). */
function namesField(message: string, field: string): boolean {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w.\\[\\]])${escaped}($|[^\\w.\\[\\]])`).test(message);
}

export interface Failure {
  readonly lines: string[];
  readonly exitCode: number;
}

/**
 * What the user sees for an error, without a stack trace: the API's message with, for bad input,
 * the field and rule, and a hint for what to do next.
 */
export function describeFailure(error: unknown, url: string | null): Failure {
  if (error instanceof CliError) {
    return { lines: [`Error: ${error.message}`, ...(error.hint ? [error.hint] : [])], exitCode: error.exitCode };
  }
  if (error instanceof DeisApiError) {
    // One line for the message; the field and the rule once each (bad input's message is often
    // already "<field>: <rule>", so they are added only when the message does not say them).
    const message = error.message.split("\n")[0];
    const lines = [`Error: ${message}`];
    if (error.field && !namesField(message, error.field)) lines.push(`  field: ${error.field}`);
    if (error.rule && !message.includes(error.rule)) lines.push(`  rule:  ${error.rule}`);
    switch (error.code) {
      case "UNAUTHENTICATED":
        lines.push("Run deis login to log in again (or set DEIS_TOKEN).");
        break;
      case "TOO_MANY_REQUESTS":
        lines.push("Wait a few minutes before trying again.");
        break;
      case "SERVICE_UNAVAILABLE":
        lines.push("The platform cannot serve this right now; try again shortly.");
        break;
      default:
        break;
    }
    return { lines, exitCode: 1 };
  }
  if (error instanceof DeisTimeoutError) {
    return {
      lines: [`Error: ${error.message}`, "It accepted the connection but sent no answer. Is it overloaded or stuck? Allow longer with DEIS_REQUEST_TIMEOUT=SECONDS."],
      exitCode: 1,
    };
  }
  if (error instanceof DeisConnectionClosedError) {
    return { lines: [`Error: ${error.message}`, "The platform stopped or the network went away; run the command again once it is back."], exitCode: 1 };
  }
  const cause = networkCause(error);
  if (cause) {
    return {
      lines: [
        `Error: cannot reach the controller at ${url ?? "(no URL)"} (${cause})`,
        "Is the platform running? Check DEIS_URL, or log in again with deis login <url>.",
      ],
      exitCode: 1,
    };
  }
  return { lines: [`Error: ${messageOf(error).split("\n")[0]}`], exitCode: 1 };
}
