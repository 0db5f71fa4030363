import { DomainError } from "../../core/errors";
import type { Healthcheck } from "../../entities";
import type { TerminalContainer, TerminalSize } from "../docker";

/** One process type of a release, as it should run. */
export interface ProcessPlan {
  readonly type: string;
  readonly count: number;
  /** The command, or null for the image's own CMD. */
  readonly command: readonly string[] | null;
  /** Routed processes (web, or cmd without a Procfile) publish PORT and get routes. */
  readonly routed: boolean;
  readonly memoryBytes: number;
  readonly nanoCpus?: number;
  /** Most processes and threads in one of its containers. */
  readonly pidsLimit: number;
  /** How to know a routed process is up; unrouted ones only need to stay running. */
  readonly healthcheck: Healthcheck;
}

/** What an app should run: one release, its image, env and process counts. */
export interface AppPlan {
  readonly app: string;
  /** The app's id: what is its own (images, volumes) is decided on it, since a name can change. */
  readonly appId: string;
  readonly version: number;
  readonly image: string;
  /** Config + PORT + DEIS_APP + DEIS_RELEASE. */
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  readonly processes: readonly ProcessPlan[];
  /** Placement constraints (Swarm node labels). */
  readonly tags: Readonly<Record<string, string>>;
  /** The app's persistent volumes, mounted into every process and one-off. */
  readonly volumes: readonly { readonly name: string; readonly path: string }[];
  /** Limits of a one-off process (`deis run`). */
  readonly oneOff: { readonly memoryBytes: number; readonly pidsLimit: number };
}

export interface ProcessStatus {
  readonly name: string;
  readonly type: string;
  readonly num: number;
  readonly version: number;
  /** running, starting, crashed, exited, ... as the engine says */
  readonly state: string;
  readonly startedAt: Date | null;
  /** host:port for routed processes that run. */
  readonly address: string | null;
  /** Times it was started again after crashing (as this controller saw it); null when unknown. */
  readonly restarts?: number | null;
  /** The Swarm node it runs on (its hostname); null on one engine. */
  readonly node?: string | null;
}

/** An engine app processes run on: the one local engine, or one node of the swarm. */
export interface RuntimeNode {
  readonly name: string;
  /** Where its processes' ports are published. */
  readonly address: string | null;
  /** ready, down, disconnected, unknown (Swarm's node states); ready for the local engine that answers. */
  readonly state: string;
  /** active, pause, drain. */
  readonly availability: string;
  /** manager or worker; "engine" for the local engine. */
  readonly role: string;
  /** Its labels, which apps' tags must match. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface RunResult {
  readonly exitCode: number;
  /** stdout and stderr together, in order. */
  readonly output: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** How a one-off runs beyond its command: what it is for (its container's name), its limits, where its output streams. */
export interface OneOffOptions {
  /** Named `<app>.<purpose>.<random>`; `run` unless said (e.g. `release`). */
  readonly purpose?: string;
  /** The plan's one-off limits unless given. */
  readonly limits?: { readonly memoryBytes: number; readonly nanoCpus?: number; readonly pidsLimit: number };
  readonly onOutput?: (chunk: Buffer, stream: "stdout" | "stderr") => void;
}

/** Where routed processes are announced (discovery); schedulers call it at the right moments. */
export interface RouteSink {
  publish(app: string, process: string, address: string): Promise<void>;
  unpublish(app: string, process: string): Promise<void>;
  /** Names of the app's processes that have routes. */
  published(app: string): Promise<string[]>;
  /** True when this process published the route and keeps it alive (no store read). */
  keeps(app: string, process: string): boolean;
}

/**
 * What should run for an app, in brief: enough for a reconciler pass to tell an app already in shape
 * (skipped) from one to converge. `version` null: nothing should run (no release that can).
 */
export interface ExpectedApp {
  readonly app: string;
  readonly version: number | null;
  readonly processes: readonly { readonly type: string; readonly count: number; readonly routed: boolean }[];
}

/** A new release's processes never became healthy; they were removed, the old ones left alone. */
export class DeployFailed extends DomainError {
  constructor(message: string) {
    super("DEPLOY_FAILED", message);
    this.name = "DeployFailed";
  }
}

/**
 * Runs apps' processes: local Docker containers, or Docker Swarm services across hosts. `converge`
 * is idempotent: the same plan twice starts nothing new; a newer plan replaces the old one with
 * zero downtime (new processes healthy and routed before old ones are unrouted, drained, stopped).
 */
export interface Scheduler {
  readonly kind: "containers" | "swarm";
  /** `isNew`: the plan's release has never served, so failing to start it is a DeployFailed. */
  converge(plan: AppPlan, routes: RouteSink, isNew: boolean): Promise<void>;
  processes(app: string): Promise<ProcessStatus[]>;
  /** Restarts the matching processes one at a time (each healthy and routed before the next). */
  restart(plan: AppPlan, routes: RouteSink, type?: string | null, num?: number | null): Promise<number>;
  /** Stops and removes everything the app runs, and its routes. */
  remove(app: string, routes: RouteSink): Promise<void>;
  /** Deletes all of the app's volumes (when the app is destroyed, after `remove`). */
  removeVolumes(app: string): Promise<void>;
  /** Where the app's volumes live: null on one engine, the node's name under Swarm (volumes pin the app there). */
  volumeNode(): Promise<string | null>;
  /** A one-off process with the release's image and env, removed afterwards. */
  run(plan: AppPlan, command: string, timeoutMs: number, options?: OneOffOptions): Promise<RunResult>;
  /** An interactive one-off with a terminal (`deis run -it`), started; the caller removes it. */
  runInteractive(plan: AppPlan, command: string, size: TerminalSize): Promise<TerminalContainer>;
  /** A detached one-off (`run.<n>`): started, not waited for; its output goes to the app's log. Returns its name. */
  runDetached(plan: AppPlan, command: string): Promise<string>;
  /** Stops a detached one-off by its number; false when there is no such one-off. */
  stopOneOff(app: string, num: number): Promise<boolean>;
  /** The engines processes run on, as the scheduler sees them now. */
  nodes(): Promise<RuntimeNode[]>;
  /**
   * Why an app with these tags could not be placed (no node that takes tasks has all of them as
   * labels), or null. With one engine tags place nothing: null.
   */
  placementProblem(tags: Readonly<Record<string, string>>): Promise<string | null>;
  /** Apps that have processes on the engine (to find what a destroyed app left behind). */
  apps(): Promise<string[]>;
  /**
   * Of `expected`, the apps whose processes are exactly these, all running and (when routed) routed by
   * this controller, read in one look at the engine; a scheduler without a cheap look returns none.
   */
  inShape(expected: readonly ExpectedApp[], routes: RouteSink): Promise<Set<string>>;
  /** Calls back with an app whose processes changed on their own (crash, engine restart); null: check all. */
  watch(onChange: (app: string | null) => void): () => void;
}
