import { serviceKey, servicesOf } from "../../src/modules/discovery";
import type { DeisClient } from "../../src/sdk/client";
import { get, settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

/** The runtime on the real Docker engine: deploy, config, rollback, scale, restart, run, crashes. */
describe("runtime on Docker", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  const app = uniqueApp("rt");

  const webAddresses = async () =>
    (await alice.sdk.Processes({ app })).processes.filter((p) => p.type === "web" && p.state === "running").map((p) => p.address!);
  const routes = async () => [...(await t.platform.discovery.getPrefix(servicesOf(app))).values()].sort();

  beforeAll(async () => {
    t = await startTestPlatform();
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
  });
  afterAll(async () => {
    await alice.sdk.DestroyApp({ name: app }).catch(() => undefined);
    await t.platform.services.deploys.settled();
    await t.stop();
  });

  test("deployImage makes v3, runs web=1 with config in its env, and routes it", async () => {
    await alice.sdk.SetConfig({ app, values: [{ key: "GREETING", value: "hello" }] });
    const { deployImage } = await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    expect(deployImage).toMatchObject({ version: 3, status: "PENDING", summary: `alice deployed ${ECHO_IMAGE}` });
    expect(await settledRelease(alice, app, 3)).toMatchObject({ status: "SUCCEEDED", failureReason: null });
    const [address] = await webAddresses();
    const body = JSON.parse((await get(address)).body);
    expect(body).toMatchObject({ app, release: "v3", greeting: "hello" });
    expect(await routes()).toEqual([address]);
    expect((await alice.sdk.App({ name: app })).app.structure).toEqual([{ type: "web", count: 1 }]);
    const [web] = (await alice.sdk.Processes({ app })).processes;
    expect(web).toMatchObject({ name: `${app}.v3.web.1`, type: "web", num: 1, version: 3, state: "running" });
  });

  test("a config change deploys a new release serving the new env; the old process goes", async () => {
    await alice.sdk.SetConfig({ app, values: [{ key: "GREETING", value: "bonjour" }] });
    expect(await settledRelease(alice, app, 4)).toMatchObject({ status: "SUCCEEDED" });
    const processes = (await alice.sdk.Processes({ app })).processes;
    expect(processes.map((p) => p.name)).toEqual([`${app}.v4.web.1`]);
    expect(JSON.parse((await get(processes[0].address!)).body)).toMatchObject({ release: "v4", greeting: "bonjour" });
    expect(await routes()).toEqual([processes[0].address]);
  });

  test("rollback deploys the earlier config again", async () => {
    const { rollback } = await alice.sdk.Rollback({ app, version: 3 });
    expect(rollback.version).toBe(5);
    await settledRelease(alice, app, 5);
    const [address] = await webAddresses();
    expect(JSON.parse((await get(address)).body)).toMatchObject({ release: "v5", greeting: "hello" });
  });

  test("scale 1 -> 3 -> 0 -> 1: processes and routes follow, no release is made", async () => {
    await alice.sdk.Scale({ app, processes: [{ type: "web", count: 3 }] });
    const three = await eventually("3 web processes", async () => ((await routes()).length === 3 ? routes() : undefined));
    expect(new Set(three).size).toBe(3);
    expect((await webAddresses()).sort()).toEqual(three);
    await alice.sdk.Scale({ app, processes: [{ type: "web", count: 0 }] });
    await eventually("no web processes", async () => ((await alice.sdk.Processes({ app })).processes.length === 0 ? true : undefined));
    expect(await routes()).toEqual([]);
    await alice.sdk.Scale({ app, processes: [{ type: "web", count: 1 }] });
    await eventually("1 web process routed", async () => ((await routes()).length === 1 ? true : undefined));
    expect((await alice.sdk.Releases({ app, first: 1 })).releases.nodes[0].version).toBe(5);
  });

  test("restart replaces the process and routes it again", async () => {
    const [before] = (await alice.sdk.Processes({ app })).processes;
    const { restart } = await alice.sdk.Restart({ app, type: "web" });
    expect(restart).toHaveLength(1);
    expect(restart[0].startedAt).not.toBe(before.startedAt);
    expect(await routes()).toEqual([restart[0].address]);
    expect((await get(restart[0].address!, "/health")).status).toBe(200);
  });

  test("a route that disappears (its publisher's lease expired) is put back by the leader within seconds", async () => {
    // Nothing else is under way for the app, so only the leader's route watch can bring it back.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await t.platform.services.deploys.settled(app);
    const [before] = await routes();
    const [process] = (await alice.sdk.Processes({ app })).processes;
    await t.platform.discovery.delete(serviceKey(app, process.name));
    expect(await routes()).toEqual([]);
    expect(await eventually("the route back", async () => ((await routes()).length === 1 ? routes() : undefined), 10_000)).toEqual([before]);
  });

  test("run executes a one-off command with the release's env and removes it", async () => {
    const { run } = await alice.sdk.Run({ app, command: "echo $GREETING from $DEIS_APP $DEIS_RELEASE; exit 7" });
    expect(run).toEqual({ exitCode: 7, output: `hello from ${app} v5\n`, stdout: `hello from ${app} v5\n`, stderr: "", timedOut: false });
    const { run: slow } = await alice.sdk.Run({ app, command: "sleep 30", timeoutSeconds: 1 });
    expect(slow.timedOut).toBe(true);
    expect((await alice.sdk.Processes({ app })).processes.map((p) => p.type)).toEqual(["web"]);
  });

  test("a process that crashes is started again and routed again", async () => {
    const [before] = await webAddresses();
    await get(before, "/crash");
    const after = await eventually("the crashed process back and routed", async () => {
      const [address] = await routes();
      return address && address !== before && (await get(address, "/health")).status === 200 ? address : undefined;
    });
    expect(await webAddresses()).toEqual([after]);
  });

  test("a process killed with SIGKILL is replaced and routed again", async () => {
    const [before] = (await alice.sdk.Processes({ app })).processes;
    const container = t.platform.runtime.engine.docker.getContainer(before.name);
    await container.kill({ signal: "SIGKILL" });
    const after = await eventually("the killed process back and routed", async () => {
      const [address] = await routes();
      return address && address !== before.address && (await get(address, "/health")).status === 200 ? address : undefined;
    });
    expect(await webAddresses()).toEqual([after]);
  });

  test("a release that never becomes healthy is marked failed; the previous one keeps serving", async () => {
    await alice.sdk.SetHealthcheck({ app, healthcheck: { path: "/health", failureThreshold: 3, periodSeconds: 1, timeoutSeconds: 1 } });
    await settledRelease(alice, app, 6);
    const serving = await webAddresses();
    await alice.sdk.SetConfig({ app, values: [{ key: "HEALTH", value: "fail" }] });
    const failed = await settledRelease(alice, app, 7);
    expect(failed).toMatchObject({ status: "FAILED", failed: true });
    expect(failed.failureReason).toMatch(/failed 3 healthchecks; last: GET \/health answered 500/);
    expect(await webAddresses()).toEqual(serving);
    expect(await routes()).toEqual(serving);
    expect(JSON.parse((await get(serving[0])).body)).toMatchObject({ release: "v6" });
    await expectApiError(alice.sdk.Rollback({ app, version: 7 }), "BAD_USER_INPUT", "version");
  });

  test("destroyApp removes the app's processes, routes and release images", async () => {
    await alice.sdk.DestroyApp({ name: app });
    await t.platform.services.deploys.settled(app);
    expect(await t.platform.runtime.runner.processes(app)).toEqual([]);
    expect(await t.platform.discovery.get(serviceKey(app, `${app}.v6.web.1`))).toBeNull();
    expect(await t.platform.runtime.engine.inspectImage(`deis-apps/${app}:v6`)).toBeNull();
  });
});
