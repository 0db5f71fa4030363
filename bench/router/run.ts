/**
 * Benchmark: the router's throughput and latency next to nginx, with wrk on loopback.
 *
 * Targets, each a separate set of processes started here and stopped by PID at the end:
 *   direct        wrk -> backend (nginx answering a fixed 200 from memory: the fastest thing at hand)
 *   nginx         wrk -> nginx (our own process, generated config, upstream keepalive) -> backend
 *   router 1w     wrk -> our router, 1 cluster worker (in-process discovery) -> backend
 *   router Nw     the same with N workers (N = cores)
 *   nginx engine  wrk -> the router's nginx engine (DEIS_ROUTER_ENGINE=nginx: nginx configured by the
 *                 router process, N workers) -> backend; with its request lines shipped back to the
 *                 router process over syslog (as the platform runs it), and without (BENCH_ENGINE_NOLOG=0 skips that one)
 *   http-proxy    reference: plain http-proxy, one process, keep-alive agent (BENCH_BASELINE=0 skips)
 * Concurrency 1, 8 and 64 keep-alive connections, BENCH_SECONDS (10) each, all targets
 * interleaved, BENCH_ROUNDS (3) rounds; the medians are printed. Then how long a route change (a
 * scale up) takes to reach the nginx engine, BENCH_ROUTE_CHANGES (50) times.
 *
 *   npm run bench:router
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/harness/processes";
import { SMOKE, benchNumber } from "../support/settings";
import { type Started, startNginx, startNodeProgram, treeCpuSeconds } from "./processes";
import { measureRouteChanges } from "./route-change";
import { type WrkResult, runWrk } from "./wrk";

/** A wrk run with the CPU the target's processes spent per request answered. */
type Measured = WrkResult & { readonly cpuUsPerRequest: number };

const GOAL_RATIO_C64 = 0.5;
const GOAL_ADDED_P50_US = 100;
/** The nginx engine against raw nginx (issue 15). */
const ENGINE_GOAL_RATIO_C64 = 0.95;
const ENGINE_GOAL_ADDED_P50_US = 10;
const ROUTE_CHANGE_GOAL_P99_MS = 1_000;
const ROUTE_CHANGES = benchNumber("BENCH_ROUTE_CHANGES", 50, 3);
const ANCHOR = "anchor measured elsewhere: plain http-proxy ~0.2x nginx, two cluster workers ~0.3x";
const DOMAIN = "apps.bench";
const APP = "bench";
const CONCURRENCY = [1, 8, 64] as const;
const BODY = "Hello from the benchmark backend: a small fixed answer of about a hundred bytes, kept in memory.\n";

const SECONDS = benchNumber("BENCH_SECONDS", 10, 1);
const ROUNDS = benchNumber("BENCH_ROUNDS", 3, 1);
const CORES = cpus().length;
const WORKERS = benchNumber("BENCH_WORKERS", Math.max(2, CORES), 2);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Target {
  readonly label: string;
  readonly process: Started;
}

const pad = (text: string, width: number) => text.padEnd(width);
const lpad = (text: string, width: number) => text.padStart(width);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "deis-bench-router-"));
  const started: Started[] = [];
  const stopAll = async () => {
    for (const one of started.splice(0).reverse()) await one.stop().catch((e: unknown) => console.error(`${one.name}:`, e));
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    const start = async (one: Promise<Started>) => {
      const running = await one;
      started.push(running);
      return running;
    };
    const backend = await start(
      startNginx("backend", dir, await freePort(), {
        workers: 1,
        server: `location / { default_type text/plain; return 200 ${JSON.stringify(BODY)}; }`,
      }),
    );
    const backendAddress = `127.0.0.1:${backend.port}`;
    const nginx = await start(
      startNginx("nginx-proxy", dir, await freePort(), {
        workers: "auto",
        http: `upstream app { server ${backendAddress}; keepalive 256; }`,
        server: `location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Request-Id $request_id;
    }`,
      }),
    );
    const routerEnv = { BENCH_BACKEND: backendAddress, BENCH_DOMAIN: DOMAIN, BENCH_APP: APP };
    const router1 = await start(startNodeProgram("router-1w", "router-workers.ts", { ...routerEnv, BENCH_WORKERS: "1" }));
    const routerN = await start(startNodeProgram(`router-${WORKERS}w`, "router-workers.ts", { ...routerEnv, BENCH_WORKERS: String(WORKERS) }));
    const engineEnv = { ...routerEnv, BENCH_WORKERS: String(CORES), BENCH_DATA_DIR: join(dir, "engine") };
    const engine = await start(startNodeProgram("nginx-engine", "router-nginx.ts", { ...engineEnv, BENCH_REQUEST_LOG: "1" }));
    const targets: Target[] = [
      { label: "direct (nginx backend, 1 worker)", process: backend },
      { label: "nginx proxy (workers auto)", process: nginx },
      { label: "router, 1 worker", process: router1 },
      { label: `router, ${WORKERS} workers`, process: routerN },
      { label: `nginx engine, ${CORES} workers`, process: engine },
    ];
    if (process.env.BENCH_ENGINE_NOLOG !== "0") {
      const quiet = await start(startNodeProgram("nginx-engine-nolog", "router-nginx.ts", { ...engineEnv, BENCH_DATA_DIR: join(dir, "engine-nolog") }));
      targets.push({ label: "nginx engine, no request log", process: quiet });
    }
    if (process.env.BENCH_BASELINE !== "0") {
      const baseline = await start(startNodeProgram("http-proxy", "http-proxy-baseline.ts", { BENCH_BACKEND: backendAddress }));
      targets.push({ label: "http-proxy + keep-alive (ref.)", process: baseline });
    }

    console.log(`router benchmark: wrk on loopback, ${SECONDS} s per run, ${ROUNDS} rounds interleaved, medians`);
    console.log(`machine: ${CORES} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}`);
    console.log(
      `NOTE: wrk, the backend, nginx and the router all share these ${CORES} cores, so every figure is` +
        " lower than on a machine where the load generator has cores of its own.",
    );
    console.log(`backend: nginx (1 worker) returning a fixed ${BODY.length}-byte 200; Host: ${APP}.${DOMAIN}\n`);

    // Warm-up: JIT, connection pools.
    for (const target of targets) await runWrk(target.process.port, `${APP}.${DOMAIN}`, 8, SMOKE ? 1 : 2);

    const results = new Map<string, Measured[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const connections of CONCURRENCY) {
        for (const target of targets) {
          const cpuBefore = treeCpuSeconds(target.process.pid);
          const run = await runWrk(target.process.port, `${APP}.${DOMAIN}`, connections, SECONDS);
          const result: Measured = { ...run, cpuUsPerRequest: ((treeCpuSeconds(target.process.pid) - cpuBefore) * 1e6) / run.requests };
          const key = `${target.label}@${connections}`;
          results.set(key, [...(results.get(key) ?? []), result]);
          console.log(
            `  round ${round} c${lpad(String(connections), 2)} ${pad(target.label, 34)} ${lpad(result.requestsPerSecond.toFixed(0), 7)} req/s` +
              `  p50 ${lpad(result.p50Us.toFixed(0), 6)} us  CPU ${lpad(result.cpuUsPerRequest.toFixed(1), 6)} us/request${result.errors ? `  ERRORS ${result.errors}` : ""}`,
          );
        }
      }
    }

    const summary = (label: string, connections: number) => {
      const runs = results.get(`${label}@${connections}`) ?? [];
      return {
        rps: median(runs.map((r) => r.requestsPerSecond)),
        p50: median(runs.map((r) => r.p50Us)),
        p99: median(runs.map((r) => r.p99Us)),
        cpu: median(runs.map((r) => r.cpuUsPerRequest)),
        errors: runs.reduce((sum, r) => sum + r.errors, 0),
      };
    };
    console.log(`\nmedians of ${ROUNDS} rounds`);
    console.log(`  ${pad("target", 34)} ${CONCURRENCY.map((c) => lpad(`c${c} req/s`, 11) + lpad("p50 us", 8) + lpad("p99 us", 8)).join("  ")}`);
    for (const target of targets) {
      const cells = CONCURRENCY.map((c) => {
        const s = summary(target.label, c);
        return lpad(s.rps.toFixed(0), 11) + lpad(s.p50.toFixed(0), 8) + lpad(s.p99.toFixed(0), 8);
      });
      const errors = CONCURRENCY.reduce((sum, c) => sum + summary(target.label, c).errors, 0);
      console.log(`  ${pad(target.label, 34)} ${cells.join("  ")}${errors ? `   errors: ${errors}` : ""}`);
    }

    const nginx64 = summary(targets[1].label, 64).rps;
    const direct1 = summary(targets[0].label, 1).p50;
    console.log(`\nvs goals (${ANCHOR})`);
    for (const target of targets.slice(2)) {
      const ratio = summary(target.label, 64).rps / nginx64;
      const added = summary(target.label, 1).p50 - direct1;
      const isRouter = target.label.startsWith("router");
      console.log(
        `  ${pad(target.label, 34)} c64 ${ratio.toFixed(2)}x nginx req/s` +
          (isRouter ? ` (goal >= ${GOAL_RATIO_C64}x: ${ratio >= GOAL_RATIO_C64 ? "met" : "MISSED"})` : "") +
          `;  c1 p50 +${added.toFixed(0)} us over direct` +
          (isRouter ? ` (goal <= ${GOAL_ADDED_P50_US} us: ${added <= GOAL_ADDED_P50_US ? "met" : "MISSED"})` : ""),
      );
    }
    const nginxAdded = summary(targets[1].label, 1).p50 - direct1;
    console.log(`  ${pad("(nginx itself)", 34)} c1 p50 +${nginxAdded.toFixed(0)} us over direct`);

    const nginx1 = summary(targets[1].label, 1).p50;
    // CPU per request: the target's own processes' user + system time over the requests it answered
    // (the backend's not included), which steal time and the load generator do not inflate.
    console.log(`\nCPU per request at c64 (the target's processes, median of ${ROUNDS} rounds): ` +
      targets.slice(1).map((t) => `${t.label} ${summary(t.label, 64).cpu.toFixed(1)} us`).join("; "));
    console.log(`\nnginx engine vs raw nginx (goals: c64 >= ${ENGINE_GOAL_RATIO_C64}x req/s, c1 p50 within ${ENGINE_GOAL_ADDED_P50_US} us)`);
    for (const target of targets.filter((t) => t.label.startsWith("nginx engine"))) {
      const ratio = summary(target.label, 64).rps / nginx64;
      const added = summary(target.label, 1).p50 - nginx1;
      console.log(
        `  ${pad(target.label, 34)} c64 ${ratio.toFixed(2)}x raw nginx (${ratio >= ENGINE_GOAL_RATIO_C64 ? "met" : "MISSED"});` +
          `  c1 p50 ${added >= 0 ? "+" : ""}${added.toFixed(0)} us over raw nginx (${added <= ENGINE_GOAL_ADDED_P50_US ? "met" : "MISSED"});` +
          `  CPU per request at c64 ${(summary(target.label, 64).cpu / summary(targets[1].label, 64).cpu).toFixed(2)}x raw nginx's`,
      );
    }

    const change = await measureRouteChanges(join(dir, "route-change"), ROUTE_CHANGES);
    console.log(
      `\nroute change to the nginx engine (discovery write -> first answer from the new backend), ${change.rounds} scale-ups:` +
        ` p50 ${change.p50Ms.toFixed(0)} ms, p99 ${change.p99Ms.toFixed(0)} ms, max ${change.maxMs.toFixed(0)} ms` +
        ` (goal p99 <= ${ROUTE_CHANGE_GOAL_P99_MS} ms: ${change.p99Ms <= ROUTE_CHANGE_GOAL_P99_MS ? "met" : "MISSED"});` +
        ` failed requests while changing: ${change.failedRequests}`,
    );
  } finally {
    await stopAll();
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
}

main().catch((error: unknown) => {
  console.error("bench:router FAILED:", error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
