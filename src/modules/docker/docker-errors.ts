import type Docker from "dockerode";
import { DomainError } from "../../core/errors";

/** The HTTP status the Docker engine answered with, if the error carries one (404: no such object). */
export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** The Docker engine does not answer (its socket is missing, refuses, or hung up): nothing can run or build now. */
export class DockerUnavailable extends DomainError {
  constructor(cause?: unknown) {
    super("UNAVAILABLE", "the Docker engine is not reachable; try again when it is back", {}, { cause });
    this.name = "DockerUnavailable";
  }
}

/** Transport errors that mean no engine answers, as opposed to an engine that answered with an error. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOENT", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EACCES"]);

/** The error as callers should see it: a DockerUnavailable when the engine could not be reached, else itself. */
export function engineError(error: unknown): unknown {
  if (error instanceof DomainError || statusOf(error) !== undefined) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && UNREACHABLE.has(code) ? new DockerUnavailable(error) : error;
}

/**
 * Makes every request a dockerode client sends (containers, images, builds, networks, events,
 * Swarm) fail with DockerUnavailable when the engine cannot be reached: the one place transport
 * errors of the engine are translated.
 */
export function translateTransportErrors(modem: Docker["modem"]): void {
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => dial(options, (error, data) => callback?.(error ? (engineError(error) as Error) : null, data));
}
