import { createHash } from "node:crypto";
import type { Healthcheck } from "../../entities";
import { LABELS, appNetworkName } from "./naming";
import type { AppPlan, ProcessPlan } from "./scheduler";

/**
 * The Swarm objects as the runtime sees them (DockerEngine translates them to and from the engine
 * API), and how an app's process type becomes one service.
 */

/** What the platform asks of one Swarm service: a process type at a scale, rolled one task at a time. */
export interface ServiceDefinition {
  readonly name: string;
  /** A reference the nodes need not pull from the internet (an image ID or `repo@digest`). */
  readonly image: string;
  /** Swarm expands Go templates in env values; the engine escapes `{{` so values stay literal. */
  readonly env: Readonly<Record<string, string>>;
  /** Overrides the image's CMD (its ENTRYPOINT stays); null keeps it. */
  readonly args: readonly string[] | null;
  /** On the service and on each task's container. */
  readonly labels: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly memoryBytes?: number;
  readonly nanoCpus?: number;
  readonly pidsLimit?: number;
  /** The app's own overlay network (its tasks reach each other, no other app's). */
  readonly network: string;
  /** Placement constraints, e.g. `node.labels.region==eu`. */
  readonly constraints: readonly string[];
  /** Publishes this container port in host mode, on a port each node picks per task. */
  readonly publishPort: number | null;
  /** A shell command run inside the container: a task counts as running once it passes, and is replaced if it fails later. */
  readonly healthcheck: { command: string; intervalSeconds: number; timeoutSeconds: number; retries: number; startSeconds: number } | null;
  readonly stopGraceSeconds: number;
  readonly restartDelaySeconds: number;
  /** Seconds after each updated task starts during which its failure rolls the update back. */
  readonly monitorSeconds: number;
  /** Bumping it replaces every task with an identical one (a restart). */
  readonly forceUpdate: number;
}

export interface ServiceState {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly forceUpdate: number;
  /** updating, paused, completed, rollback_started, rollback_paused, rollback_completed; null before any update. */
  readonly updateState: string | null;
  readonly updateMessage: string | null;
}

export interface TaskState {
  readonly id: string;
  readonly serviceId: string;
  readonly slot: number;
  /** The address its node reports (Status.Addr), once it is placed. */
  readonly nodeAddress: string | null;
  /** running, shutdown, ... what the orchestrator wants */
  readonly desiredState: string;
  /** new, pending, ..., starting, running, complete, failed, shutdown, rejected, orphaned */
  readonly state: string;
  readonly error: string | null;
  readonly message: string | null;
  /** When the task entered its state. */
  readonly since: Date | null;
  /** Its container's labels (the task spec's). */
  readonly labels: Readonly<Record<string, string>>;
  readonly forceUpdate: number;
  readonly containerId: string | null;
  /** The port its node published, when it runs. */
  readonly publishedPort: number | null;
}

/** On services and their containers: a digest of the definition without scale and restarts, to tell specs apart. */
export const SPEC_LABEL = "deis.spec";

/** Swarm's rule for service names (swarmkit controlapi): a DNS label of at most 63 characters, `_` allowed inside. */
const SERVICE_NAME = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;

/** `<app>_<type>`, unique per swarm; shortened with a digest when Swarm would refuse it (too long, ends in - or _). */
export function serviceName(app: string, type: string): string {
  const name = `${app}_${type}`;
  if (name.length <= 63 && SERVICE_NAME.test(name)) return name;
  const digest = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, 54).replace(/[-_]+$/, "")}-${digest}`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The check Docker runs inside each task's container: GET the path (busybox or GNU wget, else curl)
 * or connect to the port (nc, with -z where it has it). An image without these tools never passes
 * it: Swarm can only check from inside the container. (No `wget -T`: busybox 1.35's crashes.)
 */
export function healthcheckCommand(check: Healthcheck, port: number): string {
  if (check.path) {
    const url = shellQuote(`http://127.0.0.1:${port}${check.path}`);
    return `if command -v wget >/dev/null; then wget -q -O /dev/null ${url}; else curl -fsS -o /dev/null ${url}; fi`;
  }
  return `nc -z 127.0.0.1 ${port} 2>/dev/null || nc -w ${check.timeoutSeconds} 127.0.0.1 ${port} </dev/null >/dev/null 2>&1`;
}

/** The check runs inside the container: no more often than once a second, over the same span. */
export function swarmHealthcheckTiming(check: Healthcheck): { intervalSeconds: number; timeoutSeconds: number; retries: number; startSeconds: number } {
  const intervalSeconds = Math.max(1, check.periodSeconds);
  return {
    intervalSeconds,
    timeoutSeconds: check.timeoutSeconds,
    retries: Math.max(1, Math.ceil((check.failureThreshold * check.periodSeconds) / intervalSeconds)),
    startSeconds: check.initialDelaySeconds,
  };
}

export interface ServiceDefaults {
  readonly platformId: string;
  readonly stopTimeoutSeconds: number;
  readonly restartDelaySeconds: number;
  readonly monitorSeconds: number;
}

/** The service that runs one process type of the plan, and the digest of its spec. */
export function serviceDefinition(
  plan: AppPlan,
  process: ProcessPlan,
  image: string,
  defaults: ServiceDefaults,
  forceUpdate: number,
): { definition: ServiceDefinition; digest: string } {
  const check = process.healthcheck;
  const definition: ServiceDefinition = {
    name: serviceName(plan.app, process.type),
    image,
    env: plan.env,
    args: process.command,
    labels: {
      [LABELS.platform]: defaults.platformId,
      [LABELS.app]: plan.app,
      [LABELS.type]: process.type,
      [LABELS.release]: `v${plan.version}`,
    },
    replicas: process.count,
    memoryBytes: process.memoryBytes,
    nanoCpus: process.nanoCpus,
    pidsLimit: process.pidsLimit,
    network: appNetworkName(defaults.platformId, plan.app),
    constraints: Object.entries(plan.tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `node.labels.${key}==${value}`),
    publishPort: process.routed ? plan.port : null,
    healthcheck: process.routed ? { command: healthcheckCommand(check, plan.port), ...swarmHealthcheckTiming(check) } : null,
    stopGraceSeconds: defaults.stopTimeoutSeconds,
    restartDelaySeconds: defaults.restartDelaySeconds,
    monitorSeconds: defaults.monitorSeconds,
    forceUpdate: 0,
  };
  const digest = createHash("sha256").update(JSON.stringify({ ...definition, replicas: 0 })).digest("hex").slice(0, 16);
  return { definition: { ...definition, labels: { ...definition.labels, [SPEC_LABEL]: digest }, forceUpdate }, digest };
}
