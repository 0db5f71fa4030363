import type { DeisClient } from "../../src/sdk/client";
import { get, settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { commit, gitPush, gitRepo, sshKeygen } from "../harness/git";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { scaled } from "../harness/time";
import { eventually } from "../harness/wait";

/** Seconds a release command may run here: long enough for a busy machine, short enough to wait out once. */
const RELEASE_TIMEOUT_SECONDS = Math.round(scaled(30_000) / 1000);
/** The release command of the pushed app: says which release and config it runs with, fails when FAIL_RELEASE=1. */
const RELEASE = 'release: echo "release for $DEIS_RELEASE with GREETING=$GREETING"; test "$FAIL_RELEASE" != 1\n';
const WEB = "web: httpd -f -p $PORT -h /app\n";

/**
 * The release phase (Heroku's Procfile `release`) with the real builder, Docker and router: it runs
 * once per new release with the release's config before any process starts; its output reaches the
 * push, the build log and the app's log; when it fails the previous release keeps serving.
 */
describe("release phase", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  let key: { privateKeyPath: string; publicKey: string };
  const app = uniqueApp("relphase");
  const imageApp = uniqueApp("relimage");
  let remote: string;
  let repo: string;

  const processNames = async (name: string) => (await alice.sdk.Processes({ app: name })).processes.map((p) => p.name).sort();
  const logLines = async (name: string) => (await alice.sdk.Logs({ app: name, lines: 1000 })).logs;
  /** Waits until the app's log has a line matching `what` (the log server stores lines in order). */
  const logged = (name: string, what: RegExp) =>
    eventually(`${name}'s log to say ${what}`, async () => ((await logLines(name)).some((l) => what.test(l.message)) ? true : undefined));

  beforeAll(async () => {
    t = await startTestPlatform({ env: { DEIS_RELEASE_PHASE_TIMEOUT_SECONDS: String(RELEASE_TIMEOUT_SECONDS) } });
    ({ client: alice } = await t.signUp("alice"));
    key = sshKeygen("alice@laptop");
    await alice.sdk.AddKey({ publicKey: key.publicKey });
    remote = (await alice.sdk.CreateApp({ name: app })).createApp.gitRemote;
    await alice.sdk.CreateApp({ name: imageApp });
  });
  afterAll(async () => {
    await t.platform.services.deploys.settled();
    await t.stop();
  });

  test("a push runs the release command with the new release's config; its output is in the push, the build log and the app's log", async () => {
    await alice.sdk.SetConfig({ app, values: [{ key: "GREETING", value: "hello" }] });
    repo = gitRepo({ "index.txt": "one\n", Procfile: WEB + RELEASE });
    const push = await gitPush(repo, remote, key.privateKeyPath);
    expect(push.code).toBe(0);
    const output = push.output;
    expect(output).toContain('-----> Running release command: echo "release for $DEIS_RELEASE');
    expect(output).toContain("release for v3 with GREETING=hello");
    expect(output).toContain("-----> release command succeeded");
    // Before any process of the release started: the release command's lines come first.
    expect(output.indexOf("release command succeeded")).toBeLessThan(output.indexOf("web.1 v3"));
    expect(output).toContain(`done, ${app}:v3 deployed`);
    const [build] = (await alice.sdk.Builds({ app })).builds.nodes;
    expect(build.log).toContain("release for v3 with GREETING=hello");
    // A late buildLogs subscriber reads the push's kept lines, the release command's among them.
    const lines: string[] = [];
    for await (const { buildLogs } of alice.sdk.BuildLogs({ app })) {
      lines.push(buildLogs.line);
      if (buildLogs.line.startsWith("done,")) break;
    }
    expect(lines).toContain("       release for v3 with GREETING=hello");
    const line = (await logLines(app)).find((l) => l.message === "release for v3 with GREETING=hello");
    expect(line).toMatchObject({ app, source: "release" });
    // release is not a process: not in the structure, not among the processes, not scalable.
    expect((await alice.sdk.App({ name: app })).app.structure).toEqual([{ type: "web", count: 1 }]);
    expect(await processNames(app)).toEqual([`${app}.v3.web.1`]);
    const refused = await expectApiError(alice.sdk.Scale({ app, processes: [{ type: "release", count: 1 }] }), "BAD_USER_INPUT", "processes[0].type");
    expect(refused.message).toMatch(/release is the Procfile's release command.*cannot be scaled/);
    expect((await alice.sdk.App({ name: app })).app.structure).toEqual([{ type: "web", count: 1 }]);
  });

  test("a release command that exits 1 fails the push with the reason; the previous release serves through the router with no failed request", async () => {
    const host = `${app}.localhost`;
    const port = t.platform.router.port;
    expect((await send(port, host, "/index.txt")).body).toBe("one\n");
    commit(repo, { "index.txt": "two\n", Procfile: `${WEB}release: echo "migration broke"; exit 1\n` }, "a broken migration");
    let pushed = false;
    let requests = 0;
    const failures: string[] = [];
    // A bounded load loop through the router on loopback while the push builds, runs the release command and fails.
    const load = (async () => {
      while (!pushed && requests < 20_000) {
        requests += 1;
        const answer = await send(port, host, "/index.txt").catch((error: Error) => ({ status: 0, body: error.message }));
        if (answer.status !== 200 || answer.body !== "one\n") failures.push(`${answer.status} ${answer.body.slice(0, 80)}`);
      }
    })();
    const push = await gitPush(repo, remote, key.privateKeyPath).finally(() => (pushed = true));
    await load;
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("migration broke");
    expect(push.output).toContain("-----> release command exited 1");
    expect(push.output).toContain(`deis: v4 did not deploy: release command exited 1; the previous release keeps serving`);
    expect(await settledRelease(alice, app, 4)).toMatchObject({ status: "FAILED", failureReason: "release command exited 1" });
    expect(requests).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    // No process of v4 ever started: v3's web is the same container, still routed.
    expect(await processNames(app)).toEqual([`${app}.v3.web.1`]);
    expect((await send(port, host, "/index.txt")).body).toBe("one\n");
  });

  test("a config change runs the current build's release command with the new config; one that fails leaves the config as it was", async () => {
    // The change starts from v3 (v4 failed): its build's release command runs with the new value.
    await alice.sdk.SetConfig({ app, values: [{ key: "GREETING", value: "bonjour" }] });
    expect(await settledRelease(alice, app, 5)).toMatchObject({ status: "SUCCEEDED" });
    await logged(app, /^release for v5 with GREETING=bonjour$/);
    expect(await processNames(app)).toEqual([`${app}.v5.web.1`]);

    const { setConfig } = await alice.sdk.SetConfig({ app, values: [{ key: "FAIL_RELEASE", value: "1" }] });
    expect(setConfig.version).toBe(6);
    expect(await settledRelease(alice, app, 6)).toMatchObject({ status: "FAILED", failureReason: "release command exited 1" });
    await logged(app, /^release for v6 with GREETING=bonjour$/);
    const values = (await alice.sdk.Config({ app })).config.values;
    expect(values).toEqual([{ key: "GREETING", value: "bonjour" }]);
    expect(await processNames(app)).toEqual([`${app}.v5.web.1`]);
    expect((await send(t.platform.router.port, `${app}.localhost`, "/index.txt")).body).toBe("one\n");
  });

  test("a rollback does not run the release command (as on Heroku): it ran when the target first served", async () => {
    const { rollback } = await alice.sdk.Rollback({ app, version: 3 });
    expect(rollback.version).toBe(7);
    expect(await settledRelease(alice, app, 7)).toMatchObject({ status: "SUCCEEDED" });
    // The release's log line comes after anything its deploy did; a release command would have said "release for v7".
    await logged(app, /^v7 deployed$/);
    expect((await logLines(app)).filter((l) => l.source === "release" && l.message.includes("v7"))).toEqual([]);
    expect(await processNames(app)).toEqual([`${app}.v7.web.1`]);
  });

  test("deployImage with a release command runs it; one that fails or outlasts its timeout leaves the previous release serving", async () => {
    const web = { type: "web", command: "node /app/server.js" };
    const { deployImage: first } = await alice.sdk.DeployImage({
      app: imageApp,
      image: ECHO_IMAGE,
      procfile: [web, { type: "release", command: 'echo "image release $DEIS_RELEASE"' }],
    });
    expect(await settledRelease(alice, imageApp, first.version)).toMatchObject({ status: "SUCCEEDED" });
    await logged(imageApp, new RegExp(`^image release v${first.version}$`));
    const serving = await processNames(imageApp);
    expect(serving).toEqual([`${imageApp}.v${first.version}.web.1`]);
    const address = (await alice.sdk.Processes({ app: imageApp })).processes[0].address!;

    const { deployImage: failing } = await alice.sdk.DeployImage({ app: imageApp, image: ECHO_IMAGE, procfile: [web, { type: "release", command: "echo no; exit 3" }] });
    expect(await settledRelease(alice, imageApp, failing.version)).toMatchObject({ status: "FAILED", failureReason: "release command exited 3" });
    expect(await processNames(imageApp)).toEqual(serving);

    const { deployImage: slow } = await alice.sdk.DeployImage({ app: imageApp, image: ECHO_IMAGE, procfile: [web, { type: "release", command: "sleep 3600" }] });
    expect(await settledRelease(alice, imageApp, slow.version, 90_000 + RELEASE_TIMEOUT_SECONDS * 1000)).toMatchObject({
      status: "FAILED",
      failureReason: `release command timed out after ${RELEASE_TIMEOUT_SECONDS} seconds`,
    });
    expect(await processNames(imageApp)).toEqual(serving);
    expect(JSON.parse((await get(address)).body)).toMatchObject({ release: `v${first.version}` });
    // The release command's container is gone with it: only the serving process is left of the app.
    const containers = await t.platform.runtime.engine.listContainers([`deis.app=${imageApp}`]);
    expect(containers.map((c) => c.name).sort()).toEqual(serving);
  });
});
