import { createHash } from "node:crypto";
import type { Healthcheck } from "../../entities";
import type { ServiceDefinition } from "../docker";
import { LABELS, appNetworkName, volumeMounts } from "./naming";
import type { AppPlan, ProcessPlan } from "./scheduler";

/** How an app's process type becomes one Swarm service. */

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
  /** The node that holds the app's (local) volumes: an app with volumes is pinned to it. */
  volumeNodeId: string | null = null,
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
    constraints: [
      ...Object.entries(plan.tags)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => `node.labels.${key}==${value}`),
      ...(plan.volumes.length > 0 && volumeNodeId ? [`node.id==${volumeNodeId}`] : []),
    ],
    volumes: volumeMounts(defaults.platformId, plan),
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
