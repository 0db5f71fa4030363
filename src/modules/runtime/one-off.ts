import { randomBytes } from "node:crypto";
import type { DockerEngine } from "../docker";
import { processLabels } from "./naming";
import type { AppPlan, OneOffOptions, RunResult } from "./scheduler";

/**
 * A one-off process (`deis run`, a release command): a plain container on this engine with the
 * release's image and env, its output kept (up to 1 MiB) and streamed to `options.onOutput`,
 * removed afterwards. Both schedulers run one-offs this way.
 */
export function runOneOff(
  engine: DockerEngine,
  platformId: string,
  plan: AppPlan,
  command: string,
  timeoutMs: number,
  /** The app's own network. */
  network: string,
  options: OneOffOptions = {},
): Promise<RunResult> {
  const limits: NonNullable<OneOffOptions["limits"]> = options.limits ?? plan.oneOff;
  return engine.runToCompletion(
    {
      name: `${plan.app}.${options.purpose ?? "run"}.${randomBytes(3).toString("hex")}`,
      image: plan.image,
      env: plan.env,
      cmd: ["/bin/sh", "-c", command],
      // Labelled as a one-off (type run) whatever its purpose: schedulers never count it as a process.
      labels: { ...processLabels(platformId, plan.app, plan.version, "run", 0) },
      memoryBytes: limits.memoryBytes,
      nanoCpus: limits.nanoCpus,
      pidsLimit: limits.pidsLimit,
      network,
    },
    timeoutMs,
    1024 * 1024,
    options.onOutput,
  );
}
