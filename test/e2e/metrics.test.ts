import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import { createLogger } from "../../src/core/logger";
import { openDiscovery } from "../../src/modules/discovery";
import { RouterMetrics } from "../../src/modules/metrics";
import { type RunningRouter, startRouter } from "../../src/modules/proxy";
import { Registry } from "prom-client";
import type { DeisClient } from "../../src/sdk/client";
import { settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { gitPush, gitRepo, sshKeygen } from "../harness/git";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

type Labels = Record<string, string>;

/**
 * A scrape parsed with a library (not a regex), by family name. The parser folds a histogram's
 * labelled series into one, so histograms are read as their plain series (`_count`, `_sum`,
 * `_bucket`, each with its labels): their TYPE lines are left out before parsing.
 */
async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, PrometheusFamily>> {
  const response = await fetch(url, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = (await response.text()).replace(/^# TYPE \S+ histogram$/gm, "");
  const families = new Map<string, PrometheusFamily>();
  for (const family of parsePrometheusTextFormat(text)) {
    const known = families.get(family.name);
    families.set(family.name, known ? { ...known, metrics: [...known.metrics, ...family.metrics] } : family);
  }
  return families;
}

const matches = (labels: Labels | undefined, wanted: Labels) => Object.entries(wanted).every(([k, v]) => labels?.[k] === v);

/** A counter's value (0 when the series is not there yet). */
function counter(families: Map<string, PrometheusFamily>, name: string, labels: Labels = {}): number {
  const family = families.get(name);
  return (family?.metrics ?? []).filter((m) => matches(m.labels, labels)).reduce((sum, m) => sum + Number(m.value ?? 0), 0);
}

/** A histogram's count of observations (0 when the series is not there yet). */
function observations(families: Map<string, PrometheusFamily>, name: string, labels: Labels = {}): number {
  return counter(families, `${name}_count`, labels);
}

/**
 * /metrics on the controller's API server and on the router, read with a Prometheus text parser
 * after real deploys (one that serves, one that fails its healthchecks) and router traffic; the
 * per-process resource usage of a running app through `processes` and the processMetrics
 * subscription.
 */
describe("metrics", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  let metricsUrl: string;
  const app = uniqueApp("metrics");

  beforeAll(async () => {
    t = await startTestPlatform();
    metricsUrl = t.url.replace(/\/graphql$/, "/metrics");
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
  });
  afterAll(async () => {
    await t.platform.services.deploys.settled();
    await t.stop();
  });

  test("deploys by outcome, API requests by operation and outcome, router requests by status class, process metrics", async () => {
    const before = await scrape(metricsUrl);
    // A deploy that serves, then one that never becomes healthy.
    const { deployImage } = await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    expect((await settledRelease(alice, app, deployImage.version)).status).toBe("SUCCEEDED");
    const { setHealthcheck } = await alice.sdk.SetHealthcheck({ app, healthcheck: { path: "/health", failureThreshold: 2, periodSeconds: 1, timeoutSeconds: 1 } });
    expect((await settledRelease(alice, app, setHealthcheck.version)).status).toBe("SUCCEEDED");
    const { setConfig } = await alice.sdk.SetConfig({ app, values: [{ key: "HEALTH", value: "fail" }] });
    expect((await settledRelease(alice, app, setConfig.version)).status).toBe("FAILED");
    // Router traffic: 5 answers of 2xx, 3 of 4xx, all for the app.
    const host = `${app}.localhost`;
    for (let i = 0; i < 5; i++) expect((await send(t.platform.router.port, host, "/")).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await send(t.platform.router.port, host, "/env/NO_SUCH_VARIABLE")).status).toBe(404);
    // An API request refused as bad input.
    await alice.sdk.Scale({ app, processes: [{ type: "web", count: -1 }] }).catch(() => undefined);

    // The router counts a request when its exchange closes, just after the client has the answer; a
    // deploy is counted just after its outcome is recorded (what settledRelease saw).
    const after = await eventually("the router's 4xx answers and the failed deploy counted", async () => {
      const families = await scrape(metricsUrl);
      const failedDeploys = counter(families, "deis_deploys_total", { outcome: "failed" }) - counter(before, "deis_deploys_total", { outcome: "failed" });
      return counter(families, "deis_router_requests_total", { app, status_class: "4xx" }) === 3 && failedDeploys > 0 ? families : undefined;
    });
    const moved = (name: string, labels: Labels = {}) => counter(after, name, labels) - counter(before, name, labels);
    expect(moved("deis_deploys_total", { outcome: "succeeded" })).toBe(2);
    expect(moved("deis_deploys_total", { outcome: "failed" })).toBe(1);
    expect(observations(after, "deis_deploy_duration_seconds", { outcome: "failed" }) - observations(before, "deis_deploy_duration_seconds", { outcome: "failed" })).toBe(1);
    expect(observations(after, "deis_lock_wait_seconds", { lock: "deploy" })).toBeGreaterThanOrEqual(3);
    expect(moved("deis_router_requests_total", { app, status_class: "2xx" })).toBe(5);
    expect(moved("deis_router_requests_total", { app, status_class: "5xx" })).toBe(0);
    expect(observations(after, "deis_router_request_duration_seconds", { app })).toBe(8);
    expect(moved("deis_api_requests_total", { operation: "DeployImage", outcome: "ok" })).toBe(1);
    expect(moved("deis_api_requests_total", { operation: "SetConfig", outcome: "ok" })).toBe(1);
    expect(moved("deis_api_requests_total", { operation: "Scale", outcome: "BAD_USER_INPUT" })).toBe(1);
    expect(observations(after, "deis_api_request_duration_seconds", { operation: "Release" })).toBeGreaterThanOrEqual(3);
    // The app's processes write lines (one per request) that the log server takes in.
    expect(moved("deis_log_lines_total")).toBeGreaterThanOrEqual(8);
    // The process's own CPU, memory and event-loop lag.
    expect(counter(after, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(counter(after, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(after.get("nodejs_eventloop_lag_seconds")?.type).toBe("GAUGE");

    // The router answers /metrics itself for a Host that is no app's (as /healthz), with the same counts.
    const fromRouter = await scrape(`http://127.0.0.1:${t.platform.router.port}/metrics`);
    expect(counter(fromRouter, "deis_router_requests_total", { app, status_class: "2xx" })).toBe(counter(after, "deis_router_requests_total", { app, status_class: "2xx" }));
    // For an app's Host, /metrics is the app's own path.
    expect((await send(t.platform.router.port, host, "/metrics")).body).toContain(`"app":"${app}"`);
  });

  test("processes (the ProcessUsage query) shows each running process's memory under its limit, CPU, network and restarts", async () => {
    const { processes } = await alice.sdk.ProcessUsage({ app });
    expect(processes).toHaveLength(1);
    const [web] = processes;
    expect(web).toMatchObject({ state: "running", restarts: 0, memoryLimitBytes: 512 * 1024 * 1024 });
    expect(web.memoryBytes).toBeGreaterThan(0);
    expect(web.memoryBytes!).toBeLessThan(web.memoryLimitBytes!);
    expect(web.cpuPercent).toEqual(expect.any(Number));
    // It answered the router's requests above: bytes went both ways.
    expect(web.networkRxBytes).toBeGreaterThan(0);
    expect(web.networkTxBytes).toBeGreaterThan(0);
  });

  test("the processMetrics subscription delivers samples of the running processes", async () => {
    const samples = alice.sdk.ProcessMetrics({ app })[Symbol.asyncIterator]();
    const first = await samples.next();
    const second = await samples.next();
    await samples.return?.();
    for (const sample of [first, second]) {
      expect(sample.value.processMetrics.app).toBe(app);
      const [web] = sample.value.processMetrics.processes;
      expect(web).toMatchObject({ type: "web", state: "running", memoryLimitBytes: 512 * 1024 * 1024 });
      expect(web.memoryBytes).toBeGreaterThan(0);
    }
    expect(new Date(second.value.processMetrics.at).getTime()).toBeGreaterThan(new Date(first.value.processMetrics.at).getTime());
    // A sample after the first has a CPU share (the difference with the previous reading).
    expect(second.value.processMetrics.processes[0].cpuPercent).toEqual(expect.any(Number));
  });
  test("pushes by outcome: one that builds and deploys, one with nothing to build", async () => {
    const pushed = uniqueApp("metricspush");
    const key = sshKeygen("alice@metrics");
    await alice.sdk.AddKey({ publicKey: key.publicKey });
    const remote = (await alice.sdk.CreateApp({ name: pushed })).createApp.gitRemote;
    const before = await scrape(metricsUrl);
    const failed = await gitPush(gitRepo({ "notes.txt": "nothing a buildpack knows\n" }), remote, key.privateKeyPath);
    expect(failed.code).not.toBe(0);
    const served = await gitPush(gitRepo({ "index.txt": "one\n", Procfile: "web: httpd -f -p $PORT -h /app\n" }), remote, key.privateKeyPath);
    expect(served.code).toBe(0);
    // The builder counts a push before it answers it; the deploy is counted just after its outcome is recorded.
    const after = await eventually("the push's deploy counted", async () => {
      const families = await scrape(metricsUrl);
      return counter(families, "deis_deploys_total", { outcome: "succeeded" }) > counter(before, "deis_deploys_total", { outcome: "succeeded" }) ? families : undefined;
    });
    const moved = (name: string, labels: Labels) => counter(after, name, labels) - counter(before, name, labels);
    expect(moved("deis_builds_total", { outcome: "failed" })).toBe(1);
    expect(moved("deis_builds_total", { outcome: "succeeded" })).toBe(1);
    expect(moved("deis_build_duration_seconds_count", { outcome: "succeeded" })).toBe(1);
    expect(moved("deis_deploys_total", { outcome: "succeeded" })).toBe(1);
  });
});

describe("metrics access on a router of its own", () => {
  let router: RunningRouter;
  const discovery = openDiscovery([], "");
  const registry = new Registry();

  beforeAll(async () => {
    router = await startRouter({
      discovery,
      host: "127.0.0.1",
      port: 0,
      log: createLogger("silent"),
      metrics: { router: new RouterMetrics(registry), access: { mode: "token", token: "metrics-token-for-tests" }, text: () => registry.metrics() },
    });
  });
  afterAll(async () => {
    await router.close();
    await discovery.close();
  });

  test("with a metrics token, a scrape without it (or with another) is refused, loopback or not; with it, it reads", async () => {
    const url = `http://127.0.0.1:${router.port}/metrics`;
    const without = await fetch(url);
    expect(without.status).toBe(401);
    expect(without.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await fetch(url, { headers: { authorization: "Bearer another-token-entirely" } })).status).toBe(401);
    const families = await scrape(url, { authorization: "Bearer metrics-token-for-tests" });
    expect(families.get("deis_router_requests_total")?.type).toBe("COUNTER");
  });
});
