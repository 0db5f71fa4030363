import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STACK_IMAGE } from "../../src/modules/docker";
import { servicesOf } from "../../src/modules/discovery";
import type { DeisClient } from "../../src/sdk/client";
import { settledRelease, uniqueApp } from "../harness/apps";
import { expectApiError } from "../harness/expect-error";
import { gitPush, gitRepo, sshKeygen } from "../harness/git";
import { ECHO_IMAGE } from "../harness/docker";
import { send } from "../harness/http";
import { testEnv } from "../harness/env";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { type SwarmCluster, startSwarmCluster } from "../harness/swarm-cluster";
import { scaled } from "../harness/time";
import { eventually } from "../harness/wait";

const SERVER = readFileSync(join(__dirname, "..", "fixtures", "echo-app", "server.js"), "utf8");
const DOCKERFILE = `FROM ${STACK_IMAGE}\nCOPY server.js /app/server.js\nEXPOSE 5000\nCMD ["node", "/app/server.js"]\n`;

/** What a load loop through the router saw: every request's outcome, in order, with when it started and ended. */
interface LoadLoop {
  readonly results: { ok: boolean; started: number; at: number; hostname?: string; error?: string }[];
  stop(): Promise<void>;
}

/**
 * The platform on a Swarm of three engines, each in a network namespace of its own with its own
 * address (scripts/swarm-cluster.sh): an app is built on the manager, pulled by every node from the
 * registry, routed on the node each task runs on, rolled across nodes, moved off a lost node, and
 * pinned by tags. Run by `npm run test:multihost` (root; a few minutes).
 */
describe("the platform on a multi-node Swarm", () => {
  let cluster: SwarmCluster;
  let t: TestPlatform;
  let alice: DeisClient;
  let routerPort: number;
  const app = uniqueApp("mh");
  const key = sshKeygen();

  const host = () => `${app}.${t.platform.config.domain}`;
  const running = async () => (await alice.sdk.Processes({ app })).processes.filter((p) => p.type === "web" && p.state === "running");
  const routes = async () => [...(await t.platform.discovery.getPrefix(servicesOf(app))).values()].sort();
  /** Once routes are exactly the running tasks' addresses, `count` of them, with `check` true of the tasks. */
  const settledOn = (what: string, count: number, check: (p: Awaited<ReturnType<typeof running>>) => boolean = () => true, timeoutMs = 180_000) =>
    eventually(
      what,
      async () => {
        const [now, tasks] = [await routes(), await running()];
        const addresses = tasks.map((p) => p.address!).sort();
        return tasks.length === count && now.join() === addresses.join() && check(tasks) ? tasks : undefined;
      },
      timeoutMs,
    );

  /** Requests through the router, `workers` at a time, until stopped. */
  const loadLoop = (workers = 4): LoadLoop => {
    const results: LoadLoop["results"] = [];
    let going = true;
    const loops = Array.from({ length: workers }, async () => {
      while (going) {
        const started = Date.now();
        try {
          const answer = await send(routerPort, host());
          const body = answer.status === 200 ? (JSON.parse(answer.body) as { hostname: string }) : null;
          results.push({ ok: answer.status === 200, started, at: Date.now(), hostname: body?.hostname, error: body ? undefined : `${answer.status}` });
        } catch (error) {
          results.push({ ok: false, started, at: Date.now(), error: String(error) });
        }
      }
    });
    return {
      results,
      async stop() {
        going = false;
        await Promise.all(loops);
      },
    };
  };

  beforeAll(async () => {
    cluster = await startSwarmCluster(testEnv.root);
    t = await startTestPlatform({
      env: { DEIS_SCHEDULER: "swarm", DOCKER_HOST: cluster.dockerHost, REGISTRY_URL: cluster.registryUrl },
    });
    routerPort = t.platform.router.port;
    ({ client: alice } = await t.signUp("alice")); // the first user: an admin
    await alice.sdk.AddKey({ publicKey: key.publicKey });
  }, scaled(300_000));

  afterAll(async () => {
    await alice?.sdk.DestroyApp({ name: app }).catch(() => undefined);
    await t?.platform.services.deploys.settled();
    await t?.stop();
    await cluster?.stop();
  }, scaled(300_000));

  test("the platform sees three ready nodes with their addresses and labels", async () => {
    const { nodes } = (await alice.sdk.PlatformNodes()).platform;
    expect(nodes.map((n) => [n.name, n.address, n.state, n.role])).toEqual([
      [cluster.hostname(0), cluster.address(0), "ready", "manager"],
      [cluster.hostname(1), cluster.address(1), "ready", "worker"],
      [cluster.hostname(2), cluster.address(2), "ready", "worker"],
    ]);
    expect(nodes[1].labels).toEqual([{ key: "node", value: "n1" }, { key: "role", value: "worker" }]);
  });

  test("a pushed app is built on the manager, pulled by every node; web=6 runs on every node and every task answers through the router", async () => {
    const { createApp } = await alice.sdk.CreateApp({ name: app });
    const push = await gitPush(gitRepo({ "server.js": SERVER, Dockerfile: DOCKERFILE, Procfile: "web: node /app/server.js\n" }), createApp.gitRemote, key.privateKeyPath);
    expect(push.code).toBe(0);
    expect(await settledRelease(alice, app, 2, 180_000)).toMatchObject({ status: "SUCCEEDED" });
    await alice.sdk.Scale({ app, processes: [{ type: "web", count: 6 }] });
    const tasks = await settledOn("6 web tasks routed", 6);

    // Each task is routed at its own node's address, never loopback; every node runs some.
    const nodes = [0, 1, 2].map((i) => cluster.hostname(i));
    expect(new Set(tasks.map((p) => p.node))).toEqual(new Set(nodes));
    for (const task of tasks) {
      const i = nodes.indexOf(task.node!);
      expect(task.address).toMatch(new RegExp(`^${cluster.address(i).replace(/\./g, "\\.")}:\\d+$`));
    }
    // Built once, on the manager; the workers pulled the release from the registry.
    const registryHost = new URL(cluster.registryUrl).host;
    for (const i of [1, 2]) {
      const images = await cluster.engine(i).docker.listImages();
      expect(images.some((image) => (image.RepoDigests ?? []).some((d) => d.startsWith(`${registryHost}/${app}@`)))).toBe(true);
    }
    // Every task answers through the router (on the host), which reaches each node.
    const seen = new Set<string>();
    for (let i = 0; i < 120 && seen.size < 6; i++) {
      const answer = await send(routerPort, host());
      expect(answer.status).toBe(200);
      seen.add((JSON.parse(answer.body) as { hostname: string }).hostname);
    }
    expect(seen.size).toBe(6);
  }, scaled(420_000));

  test("a rolling redeploy across the nodes loses no request", async () => {
    const before = new Set((await running()).map((p) => p.name));
    const load = loadLoop();
    let release, tasks;
    try {
      await eventually("the load loop to get answers", async () => (load.results.some((r) => r.ok) ? true : undefined));
      await alice.sdk.SetConfig({ app, values: [{ key: "GREETING", value: "rolled" }] });
      release = await settledRelease(alice, app, 3, 420_000);
      tasks = await settledOn("6 v3 tasks routed", 6, (ps) => ps.every((p) => p.version === 3 && !before.has(p.name)));
      const served = load.results.length;
      await eventually("requests after the redeploy", async () => (load.results.length >= served + 50 ? true : undefined));
    } finally {
      await load.stop();
    }
    const failed = load.results.filter((r) => !r.ok);
    console.log(`rolling redeploy of 6 tasks on 3 nodes: ${load.results.length} requests through the router, ${failed.length} failed`);
    expect(release).toMatchObject({ status: "SUCCEEDED" });
    expect(new Set(tasks.map((p) => p.node)).size).toBeGreaterThan(1);
    expect(failed).toEqual([]);
  }, scaled(600_000));

  /**
   * Loses node i (`lose`) under a load loop through the router; waits until the platform reports it
   * down and 6 tasks run and are routed on the other nodes; prints what the loop saw. Every request
   * started after that must succeed, and reach each of the 6 tasks.
   */
  const loseNode = async (i: number, lose: () => Promise<void>, how: string) => {
    const lost = cluster.hostname(i);
    expect((await running()).some((p) => p.node === lost)).toBe(true);
    const load = loadLoop();
    let after: Awaited<ReturnType<typeof running>>;
    let lostAt = 0;
    let replacedAt = 0;
    try {
      await eventually("the load loop to get answers", async () => (load.results.some((r) => r.ok) ? true : undefined));
      lostAt = Date.now();
      await lose();
      await eventually("the platform to report the node down", async () => {
        const { nodes } = (await alice.sdk.PlatformNodes()).platform;
        return nodes.find((n) => n.name === lost)?.state === "down" ? true : undefined;
      }, 120_000);
      after = await settledOn(`6 web tasks routed off ${lost}`, 6, (ps) => ps.every((p) => p.node !== lost), 240_000);
      replacedAt = Date.now();
      expect(await routes()).not.toContainEqual(expect.stringMatching(new RegExp(`^${cluster.address(i).replace(/\./g, "\\.")}:`)));
      await eventually("requests after the tasks were replaced", async () => (load.results.filter((r) => r.started > replacedAt).length >= 100 ? true : undefined));
    } finally {
      await load.stop();
    }
    const failed = load.results.filter((r) => !r.ok);
    const window = failed.length > 0 ? Math.max(...failed.map((f) => f.at)) - Math.min(...failed.map((f) => f.started)) : 0;
    console.log(
      `node loss (${lost} ${how}, under load): ${load.results.length} requests through the router, ${failed.length} failed` +
        (failed.length > 0 ? `, the first sent ${Math.min(...failed.map((f) => f.started)) - lostAt} ms after the loss, within ${window} ms (${[...new Set(failed.map((f) => f.error))].join("; ")})` : "") +
        `; tasks replaced and routed ${replacedAt - lostAt} ms after the loss`,
    );
    const later = load.results.filter((r) => r.started > replacedAt);
    expect(later.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(later.map((r) => r.hostname)).size).toBe(6);
    return after!;
  };

  test("a worker whose engine stops is reported down; its tasks move to the other nodes and the routes follow", async () => {
    const after = await loseNode(1, () => cluster.stopNode(1), "engine stopped");
    expect(new Set(after.map((p) => p.node))).toEqual(new Set([cluster.hostname(0), cluster.hostname(2)]));
  }, scaled(600_000));

  test("tags pin the app to the nodes labelled so; tags no ready node has are refused and change nothing", async () => {
    const { releases: before } = await alice.sdk.Releases({ app, first: 1 });
    const latest = before.nodes[0].version;
    // No node has the label; n1 has it but is down.
    for (const value of ["nowhere", "n1"]) {
      const error = await expectApiError(alice.sdk.SetTags({ app, tags: [{ key: "node", value }] }), "BAD_USER_INPUT", "tags");
      expect(error.message).toContain(`no node of the swarm that is up and takes tasks has the labels node=${value}`);
    }
    expect((await alice.sdk.Releases({ app, first: 1 })).releases.nodes[0].version).toBe(latest);

    await alice.sdk.SetTags({ app, tags: [{ key: "node", value: "n2" }] });
    expect(await settledRelease(alice, app, latest + 1, 420_000)).toMatchObject({ status: "SUCCEEDED" });
    const pinned = await settledOn("6 web tasks on n2", 6, (ps) => ps.every((p) => p.node === cluster.hostname(2)));
    for (const task of pinned) expect(task.address!.startsWith(`${cluster.address(2)}:`)).toBe(true);
    expect((await send(routerPort, host())).status).toBe(200);
  }, scaled(600_000));

  test("a worker cut off the network (its engine and tasks running on, unreachable) is reported down; its tasks move and the routes follow", async () => {
    const { releases } = await alice.sdk.Releases({ app, first: 1 });
    await alice.sdk.SetTags({ app, tags: [{ key: "node", value: null }] });
    const version = releases.nodes[0].version + 1;
    expect(await settledRelease(alice, app, version, 420_000)).toMatchObject({ status: "SUCCEEDED" });
    await settledOn("6 web tasks on n0 and n2", 6, (ps) => ps.every((p) => p.version === version) && ps.some((p) => p.node === cluster.hostname(0)));
    const after = await loseNode(2, () => cluster.cutNode(2), "cut off the network");
    expect(new Set(after.map((p) => p.node))).toEqual(new Set([cluster.hostname(0)]));
  }, scaled(600_000));

  test("a new release whose tasks no node may run (a label gone since the tags were set) fails at once, naming why", async () => {
    const other = uniqueApp("mh-pin");
    await alice.sdk.CreateApp({ name: other });
    try {
      await cluster.label(0, "pin", "yes");
      await alice.sdk.SetTags({ app: other, tags: [{ key: "pin", value: "yes" }] });
      await cluster.label(0, "pin", null);
      await alice.sdk.DeployImage({ app: other, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
      // Failing at once, not at the deploy's deadline: the deadline is past the wait given here.
      const failed = await settledRelease(alice, other, 3, 60_000);
      expect(failed).toMatchObject({ status: "FAILED" });
      expect(failed.failureReason).toMatch(/no node can run web \(.*no suitable node.*\): check the app's tags/);
      expect((await alice.sdk.Processes({ app: other })).processes).toEqual([]);
    } finally {
      await alice.sdk.DestroyApp({ name: other }).catch(() => undefined);
    }
  }, scaled(300_000));
});
