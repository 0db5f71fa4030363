/**
 * Benchmark: what metrics cost.
 *
 * 1. The router's throughput with metrics on vs off, in the same run: two routers (one cluster
 *    worker each, the same code, BENCH_METRICS=1 or not) in front of one nginx backend, wrk at
 *    8 and 64 keep-alive connections, BENCH_SECONDS (10) each, BENCH_ROUNDS (3) rounds
 *    interleaved; medians. Goal: metrics on within 3% of off.
 * 2. The cost of per-process stats: BENCH_PROCESSES (50) containers (the stack image, sleeping)
 *    read by ProcessUsageSampler (one one-shot stats call each) BENCH_PASSES (10) times; the CPU
 *    of this process plus the Docker daemon's per pass, as a share of one core at one pass every
 *    5 s (DEIS_PROCESS_METRICS_SECONDS' default). Goal: under 5% of one core for 50 processes.
 *
 *   npx tsx bench/metrics/run.ts     (BENCH_SMOKE=1: tiny sizes)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pino from "pino";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { DockerEngine, STACK_IMAGE, ensureStackImage } from "../../src/modules/docker";
import { ProcessUsageSampler, type ProcessStatus } from "../../src/modules/runtime";
import { RouterMetrics } from "../../src/modules/metrics";
import { Registry } from "prom-client";
import { freePort } from "../../test/harness/processes";
import { type Started, startNginx, startNodeProgram } from "../router/processes";
import { type WrkResult, runWrk } from "../router/wrk";
import { SMOKE, benchNumber } from "../support/settings";

const GOAL_ROUTER_RATIO = 0.97;
const GOAL_STATS_CORE_SHARE = 0.05;
const INTERVAL_SECONDS = 5;
const DOMAIN = "apps.bench";
const APP = "bench";
const BODY = "Hello from the benchmark backend: a small fixed answer of about a hundred bytes, kept in memory.\n";
const CONNECTIONS = [8, 64] as const;

const SECONDS = benchNumber("BENCH_SECONDS", 10, 1);
const ROUNDS = benchNumber("BENCH_ROUNDS", 3, 1);
const PROCESSES = benchNumber("BENCH_PROCESSES", 50, 2);
const PASSES = benchNumber("BENCH_PASSES", 10, 2);

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** CPU seconds a process used so far (user + system), from /proc. */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

function dockerdPid(): number | null {
  try {
    return Number(execFileSync("pidof", ["dockerd"]).toString().trim().split(/\s+/)[0]) || null;
  } catch {
    return null;
  }
}

async function routerOnOff(started: Started[], dir: string): Promise<void> {
  const start = async (one: Promise<Started>) => {
    const running = await one;
    started.push(running);
    return running;
  };
  const backend = await start(
    startNginx("backend", dir, await freePort(), { workers: 1, server: `location / { default_type text/plain; return 200 ${JSON.stringify(BODY)}; }` }),
  );
  const env = { BENCH_BACKEND: `127.0.0.1:${backend.port}`, BENCH_DOMAIN: DOMAIN, BENCH_APP: APP };
  const off = await start(startNodeProgram("router-metrics-off", "../metrics/router-program.ts", { ...env, BENCH_METRICS: "0" }));
  const on = await start(startNodeProgram("router-metrics-on", "../metrics/router-program.ts", { ...env, BENCH_METRICS: "1" }));
  const targets = [
    { label: "metrics off", process: off },
    { label: "metrics on", process: on },
  ];
  const host = `${APP}.${DOMAIN}`;
  console.log(`1. router throughput, metrics on vs off: wrk on loopback, ${SECONDS} s per run, ${ROUNDS} rounds interleaved, medians`);
  console.log(`   machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}; wrk, nginx and both routers share them`);
  for (const target of targets) await runWrk(target.process.port, host, 8, SMOKE ? 1 : 2); // warm-up
  const results = new Map<string, WrkResult[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const connections of CONNECTIONS) {
      // Alternate which goes first, so neither always runs on a machine the other just warmed.
      const order = round % 2 ? targets : [...targets].reverse();
      for (const target of order) {
        const result = await runWrk(target.process.port, host, connections, SECONDS);
        const key = `${target.label}@${connections}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        console.log(`   round ${round} c${String(connections).padStart(2)} ${target.label.padEnd(12)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Us.toFixed(0).padStart(6)} us${result.errors ? `  ERRORS ${result.errors}` : ""}`);
      }
    }
  }
  // The router with metrics counted every request wrk sent it.
  const text = await (await fetch(`http://127.0.0.1:${on.port}/metrics`)).text();
  const counted = parsePrometheusTextFormat(text)
    .find((family) => family.name === "deis_router_requests_total")
    ?.metrics.filter((m) => m.labels?.app === APP)
    .reduce((sum, m) => sum + Number(m.value ?? 0), 0);
  console.log(`   the metrics-on router's /metrics counts ${counted ?? 0} requests for ${APP}`);
  for (const connections of CONNECTIONS) {
    const rps = (label: string) => median((results.get(`${label}@${connections}`) ?? []).map((r) => r.requestsPerSecond));
    const ratio = rps("metrics on") / rps("metrics off");
    console.log(
      `   c${connections}: off ${rps("metrics off").toFixed(0)} req/s, on ${rps("metrics on").toFixed(0)} req/s: ${ratio.toFixed(3)}x ` +
        `(goal >= ${GOAL_ROUTER_RATIO}x: ${ratio >= GOAL_ROUTER_RATIO ? "met" : "MISSED"})`,
    );
  }
}

/** What counting one request costs the router's hot path, in this process (no network): ns per call. */
function observeCost(): void {
  const metrics = new RouterMetrics(new Registry());
  const calls = benchNumber("BENCH_OBSERVE_CALLS", 2_000_000, 100_000);
  const statuses = [200, 200, 200, 304, 404, 502];
  for (let i = 0; i < 100_000; i++) metrics.observe(APP, statuses[i % 6], 0.002); // warm-up
  const heapBefore = process.memoryUsage().heapUsed;
  const from = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) metrics.observe(APP, statuses[i % 6], (i % 50) / 1000);
  const ns = Number(process.hrtime.bigint() - from) / calls;
  console.log(`0. RouterMetrics.observe (count by status class + latency histogram): ${ns.toFixed(0)} ns per request over ${calls} calls; heap ${((process.memoryUsage().heapUsed - heapBefore) / 1024).toFixed(0)} KB after`);
}

async function statsCost(): Promise<void> {
  const engine = new DockerEngine();
  await ensureStackImage(engine, pino({ level: "silent" }));
  console.log(`\n2. per-process stats: ${PROCESSES} containers, ${PASSES} passes of one-shot stats`);
  const ids: string[] = [];
  try {
    for (let i = 0; i < PROCESSES; i++) {
      const container = await engine.docker.createContainer({
        Image: STACK_IMAGE,
        name: `bench-metrics-${process.pid}-${i}`,
        Cmd: ["sleep", "3600"],
        Labels: { "deis.bench.metrics": String(process.pid) },
        HostConfig: { Memory: 32 * 1024 * 1024, NetworkMode: "none" },
      });
      ids.push(container.id);
      await container.start();
    }
    const processes: ProcessStatus[] = ids.map((id, i) => ({
      name: `bench-metrics-${process.pid}-${i}`,
      type: "web",
      num: i + 1,
      version: 1,
      state: "running",
      startedAt: null,
      address: null,
    }));
    const sampler = new ProcessUsageSampler(engine);
    await sampler.sample(processes, false); // the first reading of each (CPU needs a previous one)
    // dockerd serves everyone on this machine (other tests too): its CPU during each pass is
    // compared with its CPU during an idle window just as long right before it.
    const dockerd = dockerdPid();
    const dockerdCpu = () => (dockerd ? processCpuSeconds(dockerd) : 0);
    let selfSeconds = 0;
    let dockerdBusy = 0;
    let dockerdIdle = 0;
    let wallSeconds = 0;
    let known = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      const idleFrom = dockerdCpu();
      await new Promise((resolve) => setTimeout(resolve, wallSeconds > 0 ? (wallSeconds / Math.max(1, pass)) * 1000 : 1000));
      dockerdIdle += dockerdCpu() - idleFrom;
      const busyFrom = dockerdCpu();
      const cpuFrom = process.cpuUsage();
      const wallFrom = performance.now();
      const sample = await sampler.sample(processes, false);
      wallSeconds += (performance.now() - wallFrom) / 1000;
      const used = process.cpuUsage(cpuFrom);
      selfSeconds += (used.user + used.system) / 1e6;
      dockerdBusy += dockerdCpu() - busyFrom;
      known = sample.filter((p) => p.memoryBytes !== null && p.cpuPercent !== null).length;
    }
    const dockerdSeconds = Math.max(0, dockerdBusy - dockerdIdle);
    const perPass = (selfSeconds + dockerdSeconds) / PASSES;
    const share = perPass / INTERVAL_SECONDS;
    console.log(`   ${known}/${PROCESSES} processes with memory and CPU in the last pass; ${((wallSeconds / PASSES) * 1000).toFixed(0)} ms per pass (the engine answers at its next 1 s collection)`);
    console.log(
      `   CPU per pass: platform ${((selfSeconds / PASSES) * 1000).toFixed(1)} ms + dockerd ${dockerd ? ((dockerdSeconds / PASSES) * 1000).toFixed(1) : "?"} ms` +
        ` (its ${((dockerdBusy / PASSES) * 1000).toFixed(1)} ms less ${((dockerdIdle / PASSES) * 1000).toFixed(1)} ms when idle) = ${(perPass * 1000).toFixed(1)} ms; one pass every ${INTERVAL_SECONDS} s`,
    );
    const scaled = share * (50 / PROCESSES);
    console.log(
      `   ${(share * 100).toFixed(2)}% of one core for ${PROCESSES} processes (${(scaled * 100).toFixed(2)}% scaled to 50) ` +
        `(goal < ${GOAL_STATS_CORE_SHARE * 100}% of a core for 50: ${scaled < GOAL_STATS_CORE_SHARE ? "met" : "MISSED"})`,
    );
  } finally {
    await Promise.all(ids.map((id) => engine.docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "deis-bench-metrics-"));
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
    observeCost();
    await routerOnOff(started, dir);
    await stopAll();
    await statsCost();
  } finally {
    await stopAll();
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
}

main().catch((error: unknown) => {
  console.error("bench:metrics FAILED:", error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
