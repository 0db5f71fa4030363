import { randomBytes } from "node:crypto";
import { type DiscoveryEvent, type DiscoveryStore, openDiscovery, parseKey, servicesOf } from "../../src/modules/discovery";
import type { DeisClient } from "../../src/sdk/client";
import { settledRelease, uniqueApp } from "../harness/apps";
import { startEtcd } from "../harness/components";
import { ECHO_IMAGE } from "../harness/docker";
import { testEnv } from "../harness/env";
import { expectApiError } from "../harness/expect-error";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

/** Route TTL for these platforms: short, so a pause longer than it is short too (or as asked). */
const TTL_SECONDS = Number(process.env.DEIS_FAULT_ROUTE_TTL_SECONDS ?? 3);
/**
 * How long etcd stays paused (or as asked): 1.5 TTLs, so every lease is past its expiry when etcd
 * resumes, but the platform's etcd client (which gives a lease up after 2 TTLs without an answer)
 * still holds it: etcd expires it on resume, as with the default 15 s TTL and a 20 s pause.
 */
const PAUSE_MS = Number(process.env.DEIS_FAULT_ETCD_PAUSE_SECONDS ?? 1.5 * TTL_SECONDS) * 1000;
/** The router's engine for these platforms (DEIS_FAULT_ROUTER_ENGINE=nginx: the nginx engine). */
const ENGINE = process.env.DEIS_FAULT_ROUTER_ENGINE === "nginx" ? "nginx" : "node";
/** Clients sending at once, and a bound on the requests of the loop whatever happens. */
const CLIENTS = 4;
const MAX_REQUESTS = 200_000;

const report = (what: string, figures: Record<string, unknown>) => {
  if (process.env.DEIS_FAULT_REPORT) console.info(what, JSON.stringify(figures));
};

/** GETs through the router from CLIENTS clients until stopped (or MAX_REQUESTS): counts what did not answer 200. */
function loadLoop(port: number, host: string) {
  const state = { sent: 0, failed: 0, failures: [] as string[], stopped: false };
  const client = async () => {
    while (!state.stopped && state.sent < MAX_REQUESTS) {
      state.sent += 1;
      try {
        const answer = await send(port, host);
        if (answer.status !== 200) {
          state.failed += 1;
          state.failures.push(`${answer.status} ${answer.body.slice(0, 80)}`);
        }
      } catch (error) {
        state.failed += 1;
        state.failures.push(String(error));
      }
    }
  };
  const done = Promise.all(Array.from({ length: CLIENTS }, client));
  return {
    state,
    /** Resolves once `count` more requests have been answered. */
    async more(count: number) {
      const target = state.sent + count;
      await eventually(`${count} more requests through the router`, async () => (state.sent >= target ? true : undefined));
    },
    async stop() {
      state.stopped = true;
      await done;
      return state;
    },
  };
}

/** Every event under an app's routes, from a watch of our own on the platform's namespace. */
async function watchRoutes(discovery: DiscoveryStore, app: string) {
  const events: (DiscoveryEvent & { at: number })[] = [];
  const watch = await discovery.watchPrefix(servicesOf(app), { onEvent: (event) => events.push({ ...event, at: Date.now() }) });
  return { events, close: () => watch.close() };
}

describe("etcd paused longer than the route TTL, then resumed, under load", () => {
  const id = randomBytes(3).toString("hex");
  const app = uniqueApp("pause");
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let t: TestPlatform;
  let alice: DeisClient;
  let discovery: DiscoveryStore;
  let paused = false;

  beforeAll(async () => {
    etcd = await startEtcd(`${testEnv.root}/etcd-pause-${id}`);
    t = await startTestPlatform({ env: { ETCD_ENDPOINTS: etcd.endpoints, DEIS_ROUTE_TTL_SECONDS: String(TTL_SECONDS), DEIS_ROUTER_ENGINE: ENGINE } });
    discovery = openDiscovery([etcd.endpoints], t.platform.config.etcdNamespace);
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    await settledRelease(alice, app, 2);
  });
  afterAll(async () => {
    if (paused) process.kill(etcd.pid, "SIGCONT");
    await alice?.close();
    await t?.stop();
    await discovery?.close();
    await etcd?.stop();
  });

  const host = () => `${app}.${t.platform.config.domain}`;

  test("no request through the router fails across the pause and the lease expiry on resume", async () => {
    const port = t.platform.router.port;
    await eventually("the app through the router", async () => ((await send(port, host())).status === 200 ? true : undefined));
    const routeKeys = [...(await discovery.getPrefix(servicesOf(app))).keys()];
    expect(routeKeys).toHaveLength(1);
    const routes = await watchRoutes(discovery, app);
    const load = loadLoop(port, host());
    // Between the requests, look at the router's table at every turn of the event loop: a route
    // dropped and put back between two requests counts too.
    const table = t.platform.router.table;
    const sampled = { turns: 0, withoutRoute: 0, sampling: true };
    const sample = () => {
      if (!sampled.sampling) return;
      sampled.turns += 1;
      if ((table.resolve(host())?.backends.length ?? 0) === 0) sampled.withoutRoute += 1;
      setImmediate(sample);
    };
    sample();
    try {
      await load.more(20);
      process.kill(etcd.pid, "SIGSTOP");
      paused = true;
      const pausedAt = Date.now();
      const sentBefore = load.state.sent;
      // A paused etcd accepts connections and never answers: a scale still answers, and says why.
      const scale = await expectApiError(alice.sdk.Scale({ app, processes: [{ type: "web", count: 2 }] }), "SERVICE_UNAVAILABLE");
      const scalePausedMs = Date.now() - pausedAt;
      expect(scale.message).toMatch(/discovery \(etcd\)/);
      // The fault itself is a duration (see PAUSE_MS).
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, pausedAt + PAUSE_MS - Date.now())));
      process.kill(etcd.pid, "SIGCONT");
      paused = false;
      const resumedAt = Date.now();
      const duringPause = load.state.sent - sentBefore;

      // etcd expires the old lease (a delete of the route key) and the publisher puts the route back
      // under a new lease (a put after resuming); wait for both, whichever comes first.
      const [expired, reput] = await eventually("the route expired and put back", async () => {
        const after = routes.events.filter((e) => e.at >= resumedAt && routeKeys.includes(e.key));
        const deleted = after.find((e) => e.type === "delete");
        const put = after.findLast((e) => e.type === "put");
        return deleted && put && (await discovery.get(routeKeys[0])) !== null ? [deleted, put] : undefined;
      });
      await load.more(200);
      const final = await load.stop();
      sampled.sampling = false;
      report("etcd pause", {
        pausedMs: resumedAt - pausedAt,
        scalePausedMs,
        requests: final.sent,
        requestsDuringPause: duringPause,
        failed: final.failed,
        turnsSampled: sampled.turns,
        turnsWithoutRoute: sampled.withoutRoute,
        expiredAfterResumeMs: expired.at - resumedAt,
        reputAfterResumeMs: reput.at - resumedAt,
      });
      expect(final.failures).toEqual([]);
      expect(sampled.withoutRoute).toBe(0);
      expect(duringPause).toBeGreaterThan(0);
      expect(t.platform.router.table.describe().apps[app]).toHaveLength(1);
      expect(t.platform.router.table.orphanKeys()).toEqual([]);
    } finally {
      sampled.sampling = false;
      await load.stop();
      await routes.close();
    }
  });

  test("etcd stopped: a scale or a domain change answers SERVICE_UNAVAILABLE naming discovery and changes nothing; the rest works", async () => {
    const port = t.platform.router.port;
    await etcd.stop();
    await eventually("etcd to exit", async () => {
      try {
        process.kill(etcd.pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    const startedAt = Date.now();
    const scale = await expectApiError(alice.sdk.Scale({ app, processes: [{ type: "web", count: 2 }] }), "SERVICE_UNAVAILABLE");
    const scaleMs = Date.now() - startedAt;
    expect(scale.message).toMatch(/discovery \(etcd\)/);
    const domainAt = Date.now();
    const domain = await expectApiError(alice.sdk.AddDomain({ app, domain: `${app}.example.org` }), "SERVICE_UNAVAILABLE");
    const domainMs = Date.now() - domainAt;
    expect(domain.message).toMatch(/discovery \(etcd\)/);
    report("etcd stopped", { scaleMs, domainMs });

    // Nothing changed, requests that do not need discovery work, and the router serves its last routes.
    const { app: current } = await alice.sdk.App({ name: app });
    expect(current.structure).toEqual([{ type: "web", count: 1 }]);
    expect((await alice.sdk.Domains({ app })).domains.nodes).toEqual([]);
    expect((await send(port, host())).status).toBe(200);
  });
});

describe("a route removed on purpose while routes outlive their lease", () => {
  const app = uniqueApp("retire");
  let t: TestPlatform;
  let alice: DeisClient;

  beforeAll(async () => {
    // A grace of an hour: a route that went because its lease ended would stay for the whole test.
    t = await startTestPlatform({ env: { DEIS_ROUTE_TTL_SECONDS: "3600" } });
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    await settledRelease(alice, app, 2);
  });
  afterAll(async () => {
    await alice?.close();
    await t?.stop();
  });

  test("scale down: the router drops the retired process's route at once, not after the grace", async () => {
    const table = t.platform.router.table;
    await alice.sdk.Scale({ app, processes: [{ type: "web", count: 2 }] });
    await eventually("two backends in the router", async () => (table.describe().apps[app]?.length === 2 ? true : undefined));
    await alice.sdk.Scale({ app, processes: [{ type: "web", count: 1 }] });
    const left = await eventually("one backend in the router", async () => {
      const backends = table.describe().apps[app];
      return backends?.length === 1 ? backends : undefined;
    });
    const keys = [...(await t.platform.discovery.getPrefix(servicesOf(app))).keys()];
    expect(keys.map((key) => parseKey(key))).toEqual([{ kind: "service", app, container: `${app}.v2.web.1` }]);
    expect(left).toHaveLength(1);
    expect(table.orphanKeys()).toEqual([]);
  });
});
