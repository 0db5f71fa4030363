import { randomBytes, randomInt } from "node:crypto";
import type { DockerEngine, TerminalContainer, TerminalSize } from "../docker";
import { LABELS, identityFromLabels, processLabels, volumeMounts } from "./naming";
import type { AppPlan, OneOffOptions, ProcessStatus, RunResult } from "./scheduler";

/** The process type of one-offs. Attached ones are number 0; detached ones `run.<1000-9999>`, as Heroku names them. */
export const ONE_OFF_TYPE = "run";

/** Attached one-offs give their output to the caller; only detached ones write to the app's log. */
export function isAttachedOneOff(identity: { readonly type: string; readonly num: number }): boolean {
  return identity.type === ONE_OFF_TYPE && identity.num === 0;
}

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
      labels: { ...processLabels(platformId, plan.app, plan.version, ONE_OFF_TYPE, 0) },
      memoryBytes: limits.memoryBytes,
      nanoCpus: limits.nanoCpus,
      pidsLimit: limits.pidsLimit,
      network,
      volumes: volumeMounts(platformId, plan),
    },
    timeoutMs,
    1024 * 1024,
    options.onOutput,
  );
}

/**
 * An interactive one-off (`deis run -it`): like an attached one-off (same image, env, limits,
 * network, volumes and labels), but with a terminal of `size` the caller types at; the caller
 * removes it when the session ends.
 */
export function startInteractiveOneOff(
  engine: DockerEngine,
  platformId: string,
  plan: AppPlan,
  command: string,
  network: string,
  size: TerminalSize,
): Promise<TerminalContainer> {
  return engine.startTerminal(
    {
      name: `${plan.app}.run.${randomBytes(3).toString("hex")}`,
      image: plan.image,
      env: { TERM: "xterm", ...plan.env },
      cmd: ["/bin/sh", "-c", command],
      labels: { ...processLabels(platformId, plan.app, plan.version, ONE_OFF_TYPE, 0), [LABELS.terminal]: "1" },
      memoryBytes: plan.oneOff.memoryBytes,
      pidsLimit: plan.oneOff.pidsLimit,
      network,
      volumes: volumeMounts(platformId, plan),
    },
    size,
  );
}

/** The interactive one-offs on this engine, of every app: their container ids and when they started (null: not running). */
export async function interactiveOneOffs(engine: DockerEngine, platformId: string): Promise<{ id: string; startedAt: Date | null }[]> {
  const containers = await engine.listContainers([`${LABELS.platform}=${platformId}`, `${LABELS.terminal}=1`]);
  return containers.map((c) => ({ id: c.id, startedAt: c.startedAt }));
}

/** The app's detached one-offs on this engine, running or finished. */
async function detached(engine: DockerEngine, platformId: string, app: string) {
  const containers = await engine.listContainers([`${LABELS.platform}=${platformId}`, `${LABELS.app}=${app}`, `${LABELS.type}=${ONE_OFF_TYPE}`]);
  return containers.flatMap((container) => {
    const identity = identityFromLabels(container.labels);
    return identity && !isAttachedOneOff(identity) ? [{ container, identity }] : [];
  });
}

/**
 * Starts a detached one-off (`deis run:detached`) and returns its process name (`run.4821`). Its
 * output goes to the app's log under that name (the log server follows it like any process); it
 * runs until it exits or is stopped. Finished ones are removed when the next one starts (their logs
 * were read while they ran) or with the app.
 */
export async function startDetachedOneOff(engine: DockerEngine, platformId: string, plan: AppPlan, command: string, network: string): Promise<string> {
  const existing = await detached(engine, platformId, plan.app);
  for (const { container } of existing) if (container.state !== "running") await engine.removeContainer(container.id);
  const taken = new Set(existing.map((e) => e.identity.num));
  let num = randomInt(1000, 10_000);
  while (taken.has(num)) num = randomInt(1000, 10_000);
  const id = await engine.createContainer({
    name: `${plan.app}.run.${num}`,
    image: plan.image,
    env: plan.env,
    cmd: ["/bin/sh", "-c", command],
    labels: processLabels(platformId, plan.app, plan.version, ONE_OFF_TYPE, num),
    memoryBytes: plan.oneOff.memoryBytes,
    pidsLimit: plan.oneOff.pidsLimit,
    network,
    volumes: volumeMounts(platformId, plan),
  });
  try {
    await engine.startContainer(id);
  } catch (error) {
    await engine.removeContainer(id);
    throw error;
  }
  return `${ONE_OFF_TYPE}.${num}`;
}

/** The app's detached one-offs that still run, as processes (`deis ps`). */
export async function detachedOneOffs(engine: DockerEngine, platformId: string, app: string): Promise<ProcessStatus[]> {
  return (await detached(engine, platformId, app))
    .filter(({ container }) => container.state === "running")
    .map(({ container, identity }) => ({
      name: container.name,
      type: identity.type,
      num: identity.num,
      version: identity.version,
      state: container.state,
      startedAt: container.startedAt,
      address: null,
    }));
}

/** Stops and removes a detached one-off by number; false when the app has no such one-off. */
export async function stopDetachedOneOff(engine: DockerEngine, platformId: string, app: string, num: number, timeoutSeconds: number): Promise<boolean> {
  const found = (await detached(engine, platformId, app)).filter((e) => e.identity.num === num);
  for (const { container } of found) await engine.stopAndRemove(container.id, timeoutSeconds);
  return found.length > 0;
}

/** Removes every detached one-off of the app (its processes are being removed). */
export async function removeDetachedOneOffs(engine: DockerEngine, platformId: string, app: string): Promise<void> {
  for (const { container } of await detached(engine, platformId, app)) await engine.removeContainer(container.id);
}
