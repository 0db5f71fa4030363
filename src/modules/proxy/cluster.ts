import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:net";
import { AggregatorRegistry, type PrometheusContentType, Registry, collectDefaultMetrics } from "prom-client";
import type { DiscoveryStore } from "../discovery";
import { type MetricsAccess, RouterMetrics } from "../metrics";
import { type RouterOptions, startRouter } from "./router";

export interface RouterWorkersOptions extends Omit<RouterOptions, "discovery" | "metrics"> {
  /**
   * Each worker counts its own requests; /metrics (on any worker) answers the sum over all workers,
   * gathered by the primary (prom-client's AggregatorRegistry). Absent: no metrics.
   */
  readonly metricsAccess?: MetricsAccess;
  /** Worker processes, each a whole router on the shared ports (one per core is the usual). */
  readonly workers: number;
  /** Called in each worker for its own discovery connection (etcd, for workers to agree). */
  readonly discoveryFactory: () => DiscoveryStore;
}

export interface RunningRouterWorkers {
  /** The same call runs in the primary (which forks) and in each worker (which routes). */
  readonly role: "primary" | "worker";
  readonly port: number;
  readonly httpsPort: number | null;
  close(): Promise<void>;
}

const PORTS_ENV = "DEIS_ROUTER_WORKER_PORTS";
const READY = "deis-router-ready";
const STOP = "deis-router-stop";
const METRICS_ASK = "deis-router-metrics-ask";
const METRICS_TEXT = "deis-router-metrics-text";
/** A scrape that the primary has not answered in this long fails (prom-client's own bound is 5 s). */
const METRICS_TIMEOUT_MS = 6_000;
const RESTART_DELAY_MS = 1_000;
/** Longer than a router's drain (5 s). */
const STOP_TIMEOUT_MS = 10_000;

/**
 * The router on several cores with node:cluster: the primary holds the listening sockets and
 * hands connections to the workers; each worker is a full router with its own discovery
 * connection. Call it from the program's entry point: in the primary it forks `workers` copies of
 * the program and resolves once all listen; in a worker it starts that worker's router. A worker
 * that dies is replaced.
 */
export async function startRouterWorkers(options: RouterWorkersOptions): Promise<RunningRouterWorkers> {
  return cluster.isWorker ? startWorker(options) : startPrimary(options);
}

async function startWorker(options: RouterWorkersOptions): Promise<RunningRouterWorkers> {
  const [port, httpsPort] = (process.env[PORTS_ENV] ?? "").split(",").map(Number);
  const discovery = options.discoveryFactory();
  const router = await startRouter({
    ...options,
    metrics: options.metricsAccess ? workerMetrics(options.metricsAccess) : undefined,
    discovery,
    port: port || options.port,
    httpsPort: options.httpsPort === undefined || options.httpsPort === null ? null : httpsPort || options.httpsPort,
  }).catch(async (error: unknown) => {
    await discovery.close();
    throw error;
  });
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= router
      .close()
      .then(() => discovery.close())
      .catch((error: unknown) => options.log.error({ err: error }, "router worker stop failed")));
  const stop = () => void close().finally(() => process.exit(0));
  process.on("message", (message: unknown) => {
    if ((message as { type?: string } | null)?.type === STOP) stop();
  });
  process.once("disconnect", stop); // the primary is gone
  process.send?.({ type: READY });
  return { role: "worker", port: router.port, httpsPort: router.httpsPort, close };
}

async function startPrimary(options: RouterWorkersOptions): Promise<RunningRouterWorkers> {
  const log = options.log.child({ module: "router" });
  // Ports are fixed before forking: two servers on port 0 would share one cluster handle.
  const port = options.port || (await freePort(options.host));
  const httpsPort =
    options.httpsPort === undefined || options.httpsPort === null ? null : options.httpsPort || (await freePort(options.host));
  const env = { [PORTS_ENV]: `${port},${httpsPort ?? 0}` };
  const workers = new Set<Worker>();
  const aggregator = options.metricsAccess ? new AggregatorRegistry<PrometheusContentType>() : null;
  let closing = false;

  const fork = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(env);
      workers.add(worker);
      if (aggregator) worker.on("message", (message: unknown) => answerMetrics(aggregator, worker, message));
      const onMessage = (message: unknown) => {
        if ((message as { type?: string } | null)?.type !== READY) return;
        worker.off("message", onMessage);
        resolve();
      };
      worker.on("message", onMessage);
      worker.once("exit", (code, signal) => {
        workers.delete(worker);
        reject(new Error(`router worker ${worker.process.pid} exited before it listened (${signal ?? code})`));
        if (closing) return;
        log.error({ pid: worker.process.pid, code, signal }, "router worker died; starting another");
        setTimeout(() => {
          if (!closing) fork().catch((error: unknown) => log.error({ err: error }, "router worker failed to start"));
        }, RESTART_DELAY_MS).unref();
      });
    });

  const close = async () => {
    closing = true;
    await Promise.all([...workers].map(stopWorker));
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.workers) }, fork));
  } catch (error) {
    await close();
    throw error;
  }
  log.info({ port, httpsPort, workers: workers.size }, "router workers listening");
  return { role: "primary", port, httpsPort, close };
}

/**
 * A worker's metrics: its own registry (answered to the primary's AggregatorRegistry), and a
 * /metrics that asks the primary for every worker's, summed.
 */
function workerMetrics(access: MetricsAccess): NonNullable<RouterOptions["metrics"]> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new AggregatorRegistry(); // makes this worker answer the primary's requests for its metrics
  AggregatorRegistry.setRegistries([registry]);
  const waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  let next = 0;
  process.on("message", (message: unknown) => {
    const answer = message as { type?: string; id?: number; text?: string; error?: string } | null;
    if (answer?.type !== METRICS_TEXT || answer.id === undefined) return;
    const pending = waiting.get(answer.id);
    waiting.delete(answer.id);
    if (answer.error !== undefined) pending?.reject(new Error(answer.error));
    else pending?.resolve(answer.text ?? "");
  });
  const text = () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("the router's primary did not answer with the metrics"));
      }, METRICS_TIMEOUT_MS);
      waiting.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      process.send?.({ type: METRICS_ASK, id });
    });
  return { router: new RouterMetrics(registry), access, text };
}

function answerMetrics(aggregator: AggregatorRegistry<PrometheusContentType>, worker: Worker, message: unknown): void {
  const ask = message as { type?: string; id?: number } | null;
  if (ask?.type !== METRICS_ASK) return;
  aggregator.clusterMetrics().then(
    (text: string) => worker.isConnected() && worker.send({ type: METRICS_TEXT, id: ask.id, text }),
    (error: Error) => worker.isConnected() && worker.send({ type: METRICS_TEXT, id: ask.id, error: error.message }),
  );
}

/** Asks a worker to drain its router and exit, then insists. */
function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve();
    const timer = setTimeout(() => worker.process.kill("SIGKILL"), STOP_TIMEOUT_MS);
    worker.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (worker.isConnected()) worker.send({ type: STOP });
    else worker.process.kill("SIGTERM");
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
