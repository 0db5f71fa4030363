import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Seconds buckets for API requests and router requests (1 ms to 10 s). */
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds buckets for builds and deploys (1 s to 20 min). */
const LONG_BUCKETS = [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200];
/** Distinct operation names kept as labels; further names count as "other" (clients choose them). */
const MAX_OPERATIONS = 200;

export type Outcome = "succeeded" | "failed";

/**
 * The controller's metrics (builds, deploys, API requests, locks, logs, reconciler) in one
 * prom-client registry of its own, with the process's CPU, memory and event-loop lag. One object
 * per platform process, passed to the modules that count (no module-level registry).
 */
export class PlatformMetrics {
  readonly registry: Registry;
  private readonly apiRequests: Counter<"operation" | "outcome">;
  private readonly apiDuration: Histogram<"operation">;
  private readonly builds: Counter<"outcome">;
  private readonly buildDuration: Histogram<"outcome">;
  private readonly deploys: Counter<"outcome">;
  private readonly deployDuration: Histogram<"outcome">;
  private readonly lockWait: Histogram<"lock">;
  private readonly logLines: Counter;
  private readonly logDropped: Counter<"reason">;
  private readonly reconcilerPasses: Counter<"outcome">;
  private readonly reconcilerRestarts: Counter;
  private readonly operations = new Set<string>();

  constructor(registry: Registry = new Registry(), options: { processMetrics?: boolean } = {}) {
    this.registry = registry;
    const registers = [registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
    this.apiRequests = new Counter({
      name: "deis_api_requests_total",
      help: "GraphQL requests over HTTP by operation name and outcome (ok, or the first error's code).",
      labelNames: ["operation", "outcome"],
      registers,
    });
    this.apiDuration = new Histogram({
      name: "deis_api_request_duration_seconds",
      help: "Time to answer a GraphQL request over HTTP, by operation name.",
      labelNames: ["operation"],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.builds = new Counter({ name: "deis_builds_total", help: "git pushes by outcome (succeeded: the release deployed).", labelNames: ["outcome"], registers });
    this.buildDuration = new Histogram({
      name: "deis_build_duration_seconds",
      help: "Time from a push's start to its outcome.",
      labelNames: ["outcome"],
      buckets: LONG_BUCKETS,
      registers,
    });
    this.deploys = new Counter({ name: "deis_deploys_total", help: "New releases' deploys by outcome.", labelNames: ["outcome"], registers });
    this.deployDuration = new Histogram({
      name: "deis_deploy_duration_seconds",
      help: "Time from a deploy's start (lock held) to its recorded outcome.",
      labelNames: ["outcome"],
      buckets: LONG_BUCKETS,
      registers,
    });
    this.lockWait = new Histogram({
      name: "deis_lock_wait_seconds",
      help: "Time spent waiting for a lock (deploy: one deploy per app at a time).",
      labelNames: ["lock"],
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers,
    });
    this.logLines = new Counter({ name: "deis_log_lines_total", help: "Log lines taken in by the log server.", registers });
    this.logDropped = new Counter({
      name: "deis_log_lines_dropped_total",
      help: "Log lines the log server dropped, by reason (unknown_app, store_failed, syslog_refused).",
      labelNames: ["reason"],
      registers,
    });
    this.reconcilerPasses = new Counter({
      name: "deis_reconciler_passes_total",
      help: "The reconciler's full passes over every app, by outcome.",
      labelNames: ["outcome"],
      registers,
    });
    this.reconcilerRestarts = new Counter({ name: "deis_reconciler_restarts_total", help: "Crashed processes started again.", registers });
  }

  apiRequest(operation: string | null | undefined, outcome: string, seconds: number): void {
    const name = this.operationLabel(operation);
    this.apiRequests.inc({ operation: name, outcome });
    this.apiDuration.observe({ operation: name }, seconds);
  }

  build(outcome: Outcome, seconds: number): void {
    this.builds.inc({ outcome });
    this.buildDuration.observe({ outcome }, seconds);
  }

  deploy(outcome: Outcome, seconds: number): void {
    this.deploys.inc({ outcome });
    this.deployDuration.observe({ outcome }, seconds);
  }

  lockWaited(lock: string, seconds: number): void {
    this.lockWait.observe({ lock }, seconds);
  }

  logLinesIn(count: number): void {
    if (count > 0) this.logLines.inc(count);
  }

  logLinesDropped(reason: "unknown_app" | "store_failed" | "syslog_refused", count = 1): void {
    if (count > 0) this.logDropped.inc({ reason }, count);
  }

  reconcilePass(outcome: Outcome): void {
    this.reconcilerPasses.inc({ outcome });
  }

  processRestarted(): void {
    this.reconcilerRestarts.inc();
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private operationLabel(operation: string | null | undefined): string {
    if (!operation) return "anonymous";
    if (this.operations.has(operation)) return operation;
    if (this.operations.size >= MAX_OPERATIONS || !/^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(operation)) return "other";
    this.operations.add(operation);
    return operation;
  }
}
