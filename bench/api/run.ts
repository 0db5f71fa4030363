/**
 * Benchmark: `apps(first: 100)` with each app's latest release, over HTTP against the platform
 * running in this process on a real PostgreSQL and Redis (started here, on loopback, and stopped
 * at the end). Seeds 10,000 apps with 10 releases each, then prints latency percentiles, requests/s
 * and the SQL queries per request, against the goal: p50 < 10 ms and <= 3 queries.
 *
 *   npm run bench:api            (BENCH_REQUESTS, BENCH_COUNTED, BENCH_WARMUP, BENCH_APPS, BENCH_RELEASES override)
 */
// As `deis-platform up` runs it (graphql-js and others pick their production paths when they load).
import "../../src/core/production-mode";
import "reflect-metadata";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadConfig } from "../../src/core/config";
import { type Platform, startPlatform } from "../../src/platform";
import { createDeisClient } from "../../src/sdk/client";
import { type Component, startPostgres, startRedis } from "../../test/harness/components";
import { freePort } from "../../test/harness/processes";
import { QueryCounter } from "./query-counter";
import { seedApps } from "./seed";
import { report, summarize } from "./stats";
import { benchNumber } from "../support/settings";

const GOAL_P50_MS = 10;
const GOAL_QUERIES = 3;
const PAGE_SIZE = 100;

const APPS = benchNumber("BENCH_APPS", 10_000, 200);
const RELEASES = benchNumber("BENCH_RELEASES", 10, 2);
const WARMUP = benchNumber("BENCH_WARMUP", 50, 5);
const REQUESTS = benchNumber("BENCH_REQUESTS", 500, 20);
const COUNTED = benchNumber("BENCH_COUNTED", 50, 5);

const QUERY = `query BenchApps($after: String) {
  apps(first: ${PAGE_SIZE}, after: $after) {
    nodes { name latestRelease { version summary createdAt } }
    pageInfo { endCursor hasNextPage }
  }
}`;

interface AppsPage {
  nodes: { name: string; latestRelease: { version: number; summary: string; createdAt: string } | null }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

/** One request; throws unless the page is exactly what the seed implies. */
async function fetchPage(url: string, token: string, after: string | null, firstIndex: number): Promise<AppsPage> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY, variables: { after } }),
  });
  const body = (await response.json()) as { data?: { apps: AppsPage } | null; errors?: { message: string }[] };
  if (response.status !== 200 || body.errors?.length || !body.data) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
  }
  const page = body.data.apps;
  if (page.nodes.length !== PAGE_SIZE) throw new Error(`expected ${PAGE_SIZE} apps, got ${page.nodes.length}`);
  page.nodes.forEach((node, i) => {
    const expected = `bench-${String(firstIndex + i).padStart(5, "0")}`;
    if (node.name !== expected) throw new Error(`app #${firstIndex + i} is "${node.name}", expected "${expected}"`);
    if (node.latestRelease?.version !== RELEASES) {
      throw new Error(`${node.name}: latestRelease ${JSON.stringify(node.latestRelease)}, expected v${RELEASES}`);
    }
  });
  if (!page.pageInfo.endCursor || page.pageInfo.hasNextPage !== APPS > firstIndex - 1 + PAGE_SIZE) {
    throw new Error(`unexpected pageInfo ${JSON.stringify(page.pageInfo)}`);
  }
  return page;
}

/**
 * Warm-up; then `COUNTED` requests whose SQL statements are counted (and the text of the first
 * kept); then `REQUESTS` sequential requests, each timed. Counting is off while timing: it keeps a
 * context across every promise of the server (async_hooks), about 5% of its CPU.
 */
async function series(
  platform: Platform,
  counter: QueryCounter,
  token: string,
  after: string | null,
  firstIndex: number,
) {
  const url = platform.api.url;
  for (let i = 0; i < WARMUP; i++) await fetchPage(url, token, after, firstIndex);
  counter.start();
  counter.record();
  await fetchPage(url, token, after, firstIndex);
  const sql = counter.stopRecording();
  const queries: number[] = [counter.count];
  for (let i = 1; i < COUNTED; i++) {
    counter.reset();
    await fetchPage(url, token, after, firstIndex);
    queries.push(counter.count);
  }
  counter.stop();
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    await fetchPage(url, token, after, firstIndex);
    latencies.push(performance.now() - t0);
  }
  return { summary: summarize(latencies, queries, performance.now() - started), sql };
}

function printSql(sql: readonly string[]): void {
  console.log(`  SQL of one request (${sql.length}):`);
  sql.forEach((q, i) => {
    // The selected columns are long and say little: show how many there are, keep the rest.
    const flat = q
      .replace(/\s+/g, " ")
      .replace(/^(SELECT (?:DISTINCT ON \([^)]*\) )?)(.*?) FROM /, (_m, head: string, cols: string) =>
        `${head}<${cols.split(" AS ").length - 1} columns> FROM `,
      );
    console.log(`    ${i + 1}. ${flat.length > 600 ? `${flat.slice(0, 600)}...` : flat}`);
  });
}

async function main(): Promise<void> {
  if (APPS < 2 * PAGE_SIZE) throw new Error(`BENCH_APPS must be at least ${2 * PAGE_SIZE} for two full pages`);
  const root = mkdtempSync(join(tmpdir(), "deis-bench-api-"));
  chmodSync(root, 0o755); // PostgreSQL runs as its own user (when root) and must reach its folder
  const components: Component[] = [];
  let platform: Platform | null = null;
  const stopAll = async () => {
    if (platform) await platform.stop().catch((e: unknown) => console.error("platform stop failed:", e));
    platform = null;
    for (const c of components.splice(0).reverse()) await c.stop().catch((e: unknown) => console.error(`${c.name} stop failed:`, e));
    rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    const [postgres, redis] = await Promise.all([startPostgres(join(root, "postgres")), startRedis(join(root, "redis"))]);
    components.push(postgres, redis);
    const counter = new QueryCounter();
    const config = loadConfig({
      DEIS_PORT: "0",
      DEIS_HOST: "127.0.0.1",
      // Free ports and an id of its own: it must not meet a platform running on this machine.
      DEIS_ROUTER_PORT: String(await freePort()),
      DEIS_ROUTER_HTTPS_PORT: "off",
      DEIS_BUILDER_PORT: String(await freePort()),
      DEIS_SYSLOG_PORT: "off",
      DEIS_PLATFORM_ID: `bench-api-${process.pid}`,
      DEIS_DATA_DIR: join(root, "data"),
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      LOG_LEVEL: "warn",
    });
    platform = await startPlatform(config, { database: { url: postgres.url, logger: counter } });
    const running: Platform = platform;
    console.log(`platform on ${running.api.url} (PostgreSQL ${postgres.url}, Redis ${redis.url})`);

    // The first user of a platform becomes its admin, who sees every app without the ownership
    // filter; the apps belong to a second, ordinary user: the common case is measured.
    const client = createDeisClient({ url: running.api.url });
    const admin = (await client.sdk.Register({ input: { username: "admin", password: "admin-password-123" } })).register;
    const owner = (await client.sdk.Register({ input: { username: "bench", password: "bench-password-123" } })).register;
    await client.close();
    if (!admin.user.isAdmin || owner.user.isAdmin) throw new Error("expected the first user to be the only admin");

    const seedStart = performance.now();
    await seedApps(running.dataSource, { id: owner.user.id, username: owner.user.username }, APPS, RELEASES);
    const seedMs = performance.now() - seedStart;
    console.log(`seeded ${APPS} apps x ${RELEASES} releases (${APPS * RELEASES} releases, ${APPS * RELEASES} configs) in ${seedMs.toFixed(0)} ms`);
    console.log(`query: apps(first: ${PAGE_SIZE}) { nodes { name latestRelease { version summary createdAt } } pageInfo { endCursor hasNextPage } }`);
    console.log(`${WARMUP} warm-up requests, ${COUNTED} with their SQL statements counted, then ${REQUESTS} sequential requests timed, per page\n`);

    const first = await series(running, counter, owner.token, null, 1);
    console.log(report(`page 1 as the apps' owner "bench" (no cursor)`, first.summary, GOAL_P50_MS, GOAL_QUERIES));
    printSql(first.sql);

    const cursor = (await fetchPage(running.api.url, owner.token, null, 1)).pageInfo.endCursor;
    const second = await series(running, counter, owner.token, cursor, PAGE_SIZE + 1);
    console.log();
    console.log(report(`page 2 as "bench" (after: endCursor of page 1)`, second.summary, GOAL_P50_MS, GOAL_QUERIES));
    printSql(second.sql);

    const asAdmin = await series(running, counter, admin.token, null, 1);
    console.log();
    console.log(report(`page 1 as the admin (every app, no ownership filter)`, asAdmin.summary, GOAL_P50_MS, GOAL_QUERIES));
    console.log(`(statements of background work that ran while requests were counted, not counted for a request: ${counter.background} in this run)`);
  } finally {
    await stopAll();
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
}

main().catch((error: unknown) => {
  console.error("bench:api FAILED:", error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
