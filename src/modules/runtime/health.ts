import { request } from "node:http";
import { connect } from "node:net";
import { DomainError } from "../../core/errors";
import type { Healthcheck } from "../../entities";

/**
 * A web process is healthy when it accepts TCP on its port; this is the check without a configured
 * one. It looks often (every 10 ms) because a new process usually listens within moments, and
 * every moment is on the path from `git push` to serving. A refused connection answers at once, so
 * 6,000 tries take about a minute; a port that swallows packets makes each try wait its 2 s.
 */
export const DEFAULT_HEALTHCHECK: Healthcheck = {
  path: null,
  initialDelaySeconds: 0,
  timeoutSeconds: 2,
  periodSeconds: 0.01,
  failureThreshold: 6000,
};

/** How often a check in progress asks whether the process still runs (a question to the engine). */
const RUNNING_CHECK_MS = 250;

/** A process did not answer its healthcheck (or stopped running); the message says how, for the user. */
export class UnhealthyError extends DomainError {
  constructor(message: string) {
    super("DEPLOY_FAILED", message);
    this.name = "UnhealthyError";
  }
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no TCP answer on ${port} within ${timeoutMs} ms`));
    socket.once("connect", () => done(null));
    socket.once("error", (error) => done(`TCP connect to ${port}: ${error.message}`));
  });
}

function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: "GET", timeout: timeoutMs, headers: { "user-agent": "deis-healthcheck" } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400 ? null : `GET ${path} answered ${status}`);
    });
    req.once("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once("error", (error) => resolve(`GET ${path}: ${error.message}`));
    req.end();
  });
}

/**
 * Waits until the process answers its healthcheck, or throws UnhealthyError with the last reason
 * after `failureThreshold` failed checks. `stillRunning` lets a crashed process fail fast.
 */
export async function waitUntilHealthy(
  address: { host: string; port: number },
  check: Healthcheck,
  stillRunning: () => Promise<string | null>,
): Promise<void> {
  const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await sleep(check.initialDelaySeconds);
  let problem = "never checked";
  let askedAt = check.initialDelaySeconds > 0 ? -Infinity : Date.now(); // the caller has just seen it start
  for (let attempt = 1; attempt <= check.failureThreshold; attempt++) {
    if (Date.now() - askedAt >= RUNNING_CHECK_MS) {
      askedAt = Date.now();
      const exited = await stillRunning();
      if (exited) throw new UnhealthyError(exited);
    }
    const timeoutMs = check.timeoutSeconds * 1000;
    const result = check.path
      ? await httpProbe(address.host, address.port, check.path, timeoutMs)
      : await tcpProbe(address.host, address.port, timeoutMs);
    if (result === null) return;
    problem = result;
    if (attempt < check.failureThreshold) await sleep(check.periodSeconds);
  }
  throw new UnhealthyError(`failed ${check.failureThreshold} healthchecks; last: ${problem}`);
}
