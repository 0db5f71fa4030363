import { randomBytes } from "node:crypto";
import type { DockerEngine } from "../docker";
import { processLabels, volumeMounts } from "./naming";
import type { AppPlan, RunResult } from "./scheduler";

/**
 * A one-off process (`deis run`): a plain container on this engine with the release's image and
 * env, its output kept (up to 1 MiB), removed afterwards. Both schedulers run one-offs this way.
 */
export function runOneOff(
  engine: DockerEngine,
  platformId: string,
  plan: AppPlan,
  command: string,
  timeoutMs: number,
  /** The app's own network. */
  network: string,
): Promise<RunResult> {
  return engine.runToCompletion(
    {
      name: `${plan.app}.run.${randomBytes(3).toString("hex")}`,
      image: plan.image,
      env: plan.env,
      cmd: ["/bin/sh", "-c", command],
      labels: { ...processLabels(platformId, plan.app, plan.version, "run", 0) },
      memoryBytes: plan.oneOff.memoryBytes,
      pidsLimit: plan.oneOff.pidsLimit,
      network,
      volumes: volumeMounts(platformId, plan),
    },
    timeoutMs,
    1024 * 1024,
  );
}
