import type { ProcessFieldsFragment, ReleaseFieldsFragment } from "../sdk/client";
import type { CommandContext } from "./context";
import { CliError } from "./errors";
import { type Step, pollUntil, withProgress } from "./progress";

/** How long a release may take to deploy before the CLI stops waiting (healthchecks can take a minute). */
const DEPLOY_TIMEOUT_MS = 300_000;
/** How long ps:scale waits for the processes to run. */
const SCALE_TIMEOUT_MS = 120_000;
const POLL_MS = 500;

/**
 * Waits until a release has deployed (or failed), polling its status, with progress on stderr.
 * A release without a build is SUCCEEDED at once, and --no-wait skips waiting: both return at once.
 * Polling rather than the appEvents subscription: a release can also be SUPERSEDED, which sends no
 * event of its own, and polling cannot miss an event sent before the subscription started.
 */
export async function awaitDeploy(ctx: CommandContext, app: string, release: ReleaseFieldsFragment): Promise<ReleaseFieldsFragment> {
  if (release.status !== "PENDING" || ctx.noWait) return release;
  const settled = await withProgress(
    ctx.io,
    `Deploying ${app} v${release.version}`,
    (step) => {
      const watch = processSteps(step);
      return pollUntil(
        async () => {
          const [{ release: current }, { processes }] = await Promise.all([ctx.sdk.Release({ app, version: release.version }), ctx.sdk.Processes({ app })]);
          watch(processes);
          if (current.status === "PENDING") return undefined;
          // The same shape as the mutation's result, with the outcome filled in.
          return { ...release, status: current.status, failed: current.failed, failureReason: current.failureReason };
        },
        DEPLOY_TIMEOUT_MS,
        POLL_MS,
      );
    },
    (result) => (result === null ? "still deploying" : result.status === "FAILED" ? "failed" : result.status === "SUPERSEDED" ? "superseded by a newer release" : "done"),
  );
  if (!settled) {
    throw new CliError(
      `v${release.version} of ${app} is still deploying after ${DEPLOY_TIMEOUT_MS / 1000} s`,
      `Check on it with deis releases:info v${release.version} -a ${app}.`,
    );
  }
  return settled;
}

/**
 * Turns successive process lists into steps: a process that appears ("web.1 v3 started"), reaches
 * running ("web.1 v3 running") or goes away ("web.1 v2 stopped"). The first list is the baseline.
 */
function processSteps(step: Step): (processes: readonly ProcessFieldsFragment[]) => void {
  let known: Map<string, string> | null = null;
  return (processes) => {
    const now = new Map(processes.map((p) => [`${p.type}.${p.num} v${p.version}`, p.state]));
    if (known) {
      for (const [name, state] of now) {
        const before = known.get(name);
        if (before === state) continue;
        if (state === "running") step(`${name} running`);
        else if (before === undefined) step(`${name} started`);
        else step(`${name} ${state}`);
      }
      for (const name of known.keys()) if (!now.has(name)) step(`${name} stopped`);
    }
    known = now;
  };
}

/** After the result is printed: a failed release ends the command with its reason and exit 1. */
export function failIfFailed(app: string, release: ReleaseFieldsFragment): void {
  if (release.status === "FAILED") {
    throw new CliError(
      `v${release.version} of ${app} failed to deploy: ${release.failureReason ?? "no reason given"}`,
      `The previous release keeps serving. See deis releases:info v${release.version} -a ${app}.`,
    );
  }
}

/** True when exactly `count` processes of `type` run and none of that type is in another state. */
function reached(processes: readonly ProcessFieldsFragment[], type: string, count: number): boolean {
  const ofType = processes.filter((p) => p.type === type);
  return ofType.length === count && ofType.every((p) => p.state === "running");
}

/** Waits (bounded) until the processes show the asked counts running; returns them. */
export async function awaitScale(
  ctx: CommandContext,
  app: string,
  counts: readonly { type: string; count: number }[],
  title = `Scaling ${app} to ${counts.map(({ type, count }) => `${type}=${count}`).join(" ")}`,
): Promise<ProcessFieldsFragment[]> {
  const described = counts.map(({ type, count }) => `${type}=${count}`).join(" ");
  const processes = await withProgress(
    ctx.io,
    title,
    (step) => {
      const watch = processSteps(step);
      return pollUntil(
        async () => {
          const { processes: current } = await ctx.sdk.Processes({ app });
          watch(current);
          return counts.every(({ type, count }) => reached(current, type, count)) ? current : undefined;
        },
        SCALE_TIMEOUT_MS,
        POLL_MS,
      );
    },
    (result) => (result === null ? "still scaling" : "done"),
  );
  if (!processes) {
    throw new CliError(
      `${app} did not reach ${described} within ${SCALE_TIMEOUT_MS / 1000} s`,
      `See what runs with deis ps -a ${app}; a process that keeps crashing shows in deis logs -a ${app}.`,
    );
  }
  return processes;
}
