import { uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";
import { type CliUser, registeredUser } from "./cli-harness";

/**
 * The commands that need a real deploy, on one app with few deploys (the machine has 2 cores):
 * builds:create, builds, ps, ps:scale, ps:restart, run, a failed release, rollback, --no-wait.
 */
describe("deis: deploys and processes", () => {
  let t: TestPlatform;
  let alice: CliUser;
  const app = uniqueApp("cli-deploy");
  const serving = async (greeting: string | null, release: string) =>
    eventually(`${app} to serve ${release} with greeting ${greeting}`, async () => {
      const answer = await send(t.platform.router.port, `${app}.localhost`, "/");
      if (answer.status !== 200) return undefined;
      const body = JSON.parse(answer.body);
      return body.greeting === greeting && body.release === release ? body : undefined;
    });

  beforeAll(async () => {
    t = await startTestPlatform();
    alice = await registeredUser(t.url, "alice");
    await alice.ok(["create", app, "--no-remote"]);
  });
  afterAll(async () => {
    await alice.run(["apps:destroy", app, "--confirm", app]);
    await t.platform.services.deploys.settled();
    await t.stop();
  });

  test("builds:create deploys an image with a Procfile and waits for it", async () => {
    const created = await alice.ok(["builds:create", ECHO_IMAGE, "--procfile", 'web=node /app/server.js', "-a", app]);
    // Progress from the engine, each step on its own line, then the outcome.
    expect(created.stderr).toMatch(new RegExp(`^Deploying ${app} v2\\.\\.\\.\\n(  web\\.1 v2 (started|running)\\n)+Deploying ${app} v2\\.\\.\\. done\\n$`));
    expect(created.stderr).toContain("  web.1 v2 running\n");
    expect(created.stdout).toBe(`${app} v2: alice deployed ${ECHO_IMAGE}\n`);
    await serving(null, "v2");
    const builds = await alice.ok(["builds", "-a", app]);
    expect(builds.stdout).toMatch(new RegExp(`^=== ${app} Builds\\nCREATED +KIND +BY +SHA +IMAGE\\n\\S+ \\S+ +image +alice +- +${ECHO_IMAGE}\\n$`));
    expect((await alice.ok(["builds", "-a", app, "--json"])).json()).toEqual([
      expect.objectContaining({ kind: "image", image: ECHO_IMAGE, processTypes: [{ type: "web", command: "node /app/server.js" }] }),
    ]);
    const bad = await alice.run(["builds:create", "no-tag-here", "-a", app]);
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toMatch(/^Error: image: /);
    expect((await alice.run(["builds:create", ECHO_IMAGE, "--procfile", "web", "-a", app])).code).toBe(2);
  });

  test("ps, human and --json", async () => {
    const ps = await alice.ok(["ps", "-a", app]);
    // CPU and memory against the limit (512M by default), read from the engine.
    expect(ps.stdout).toMatch(
      new RegExp(`^=== ${app} Processes\\nPROCESS +STATE +RELEASE +CPU +MEMORY +RESTARTS +STARTED +ADDRESS\\nweb\\.1 +running +v2 +\\d+\\.\\d% +[\\d.]+[BKM]/512M \\(\\d+%\\) +0 +\\S+ \\S+ +127\\.0\\.0\\.1:\\d+\\n$`),
    );
    expect((await alice.ok(["ps", "-a", app, "--json"])).json()).toEqual([expect.objectContaining({ name: `${app}.v2.web.1`, type: "web", num: 1, state: "running", version: 2 })]);
  });

  test("logs prints the recent lines' text; -n bounds them; --json gives the line objects", async () => {
    const lines = await eventually("the web process's first line in the log", async () => {
      const result = await alice.ok(["logs", "-a", app]);
      return result.stdout.includes(`${app}[web.1]: listening on`) ? result.stdout : undefined;
    });
    expect(lines).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z deis\[api\]: alice created /);
    expect((await alice.ok(["logs", "-a", app, "-n", "2"])).stdout.trim().split("\n")).toHaveLength(2);
    const json = (await alice.ok(["logs", "-a", app, "-n", "3", "--json"])).json();
    expect(json).toHaveLength(3);
    expect(json[0]).toEqual({ at: expect.any(String), app, source: expect.any(String), message: expect.any(String), text: expect.any(String) });
    expect((await alice.run(["logs", "-a", "no-such-app"])).stderr).toBe('Error: app "no-such-app" not found\n');
  });

  test("config:set waits for the deploy; --json prints the settled release", async () => {
    const set = await alice.ok(["config:set", "GREETING=hi", "HEALTH=fail", "-a", app, "--json"]);
    expect(set.json()).toMatchObject({ version: 3, status: "succeeded", failureReason: null, summary: "alice added GREETING, HEALTH" });
    expect(set.stderr).toMatch(new RegExp(`^Deploying ${app} v3\\.\\.\\.(\\n(  .+\\n)+Deploying ${app} v3\\.\\.\\.)? done\\n$`));
    await serving("hi", "v3");
  });

  test("ps:scale web=2 waits until both run; bad types name the field", async () => {
    const scaled = await alice.ok(["ps:scale", "web=2", "-a", app]);
    expect(scaled.stderr).toMatch(new RegExp(`^Scaling ${app} to web=2\\.\\.\\.(\\n(  .+\\n)+Scaling ${app} to web=2\\.\\.\\.)? done\\n$`));
    // stderr said "Scaling ... done"; stdout holds only the processes.
    expect(scaled.stdout).toMatch(new RegExp(`^PROCESS .+\\nweb\\.1 +running +v3 .+\\nweb\\.2 +running +v3 .+\\n$`));
    expect((await alice.ok(["ps", "-a", app, "--json"])).json()).toHaveLength(2);
    const bad = await alice.run(["ps:scale", "worker=1", "-a", app]);
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toBe(`Error: processes[0].type: worker is not a process type of this app (it has web)\n`);
    expect((await alice.ok(["ps:scale", "web=2", "-a", app, "--json", "--no-wait"])).json()).toMatchObject({ name: app, structure: [{ type: "web", count: 2 }] });
  });

  test("ps:restart web.2 restarts that one process; a type with no process is bad input", async () => {
    const before = (await alice.ok(["ps", "-a", app, "--json"])).json();
    const restarted = await alice.ok(["ps:restart", "web.2", "-a", app]);
    expect(restarted.stderr).toBe(`Restarting web.2 of ${app}... done\n`);
    expect(restarted.stdout).toMatch(new RegExp(`^Restarted web\\.2 of ${app}\\nPROCESS .+\\nweb\\.1 +running .+\\nweb\\.2 +running .+\\n$`));
    const after = (await alice.ok(["ps", "-a", app, "--json"])).json();
    const started = (list: { num: number; startedAt: string }[], num: number) => list.find((p) => p.num === num)!.startedAt;
    expect(started(after, 1)).toBe(started(before, 1));
    expect(started(after, 2)).not.toBe(started(before, 2));
    const none = await alice.run(["ps:restart", "worker", "-a", app]);
    expect(none).toMatchObject({ code: 1 });
    expect(none.stderr).toBe(`Restarting worker of ${app}... failed\nError: type: no running process matches worker\n`);
    expect((await alice.ok(["ps:restart", "web", "-a", app, "--json"])).json()).toHaveLength(2);
  });

  test("run prints the command's output and exits with its status; --json; a timeout", async () => {
    // One argument: a command line for the container's shell.
    const run = await alice.run(["run", "-a", app, "echo $GREETING from $DEIS_APP $DEIS_RELEASE; exit 3"]);
    expect(run).toMatchObject({ code: 3, stdout: `hi from ${app} v3\n` });
    expect(run.stderr).toBe(`Running \`echo $GREETING from $DEIS_APP $DEIS_RELEASE; exit 3\` on ${app}... done, exit status 3\n`);
    // Several: passed exactly (quoting kept), and the command's stdout and stderr stay apart.
    const quoted = await alice.run(["run", "-a", app, "--", "sh", "-c", "echo out; echo 'err and $HOME' >&2; exit 4"]);
    expect(quoted).toMatchObject({ code: 4, stdout: "out\n" });
    expect(quoted.stderr).toBe(`Running \`sh -c 'echo out; echo '\\''err and $HOME'\\'' >&2; exit 4'\` on ${app}... done, exit status 4\nerr and $HOME\n`);
    expect((await alice.run(["run", "-a", app, "--", "sh", "-c", "exit 4"])).code).toBe(4);
    const json = await alice.run(["run", "-a", app, "--json", "ls /app"]);
    expect(json.code).toBe(0);
    expect(json.json()).toEqual({ exitCode: 0, output: "server.js\n", stdout: "server.js\n", stderr: "", timedOut: false });
    const slow = await alice.run(["run", "--timeout", "1", "-a", app, "sleep 20"]);
    expect(slow.code).not.toBe(0);
    expect(slow.stderr).toContain("Error: `sleep 20` ran out of time after 1 s (allow more with --timeout SECONDS)");
  });

  test("a release that fails to deploy: its reason, exit 1; the previous release keeps serving", async () => {
    const failed = await alice.run(["healthchecks:set", "--path", "/health", "--period", "1", "--threshold", "2", "--timeout", "1", "-a", app]);
    expect(failed).toMatchObject({ code: 1, stdout: "" });
    expect(failed.stderr).toMatch(
      new RegExp(`^Deploying ${app} v4\\.\\.\\.(\\n(  .+\\n)+Deploying ${app} v4\\.\\.\\.)? failed\\nError: v4 of ${app} failed to deploy: .+\\nThe previous release keeps serving\\. See deis releases:info v4 -a ${app}\\.\\n$`),
    );
    await serving("hi", "v3");
    const info = await alice.ok(["releases:info", "v4", "-a", app]);
    expect(info.stdout).toMatch(/Status: +failed\n/);
    expect(info.stdout).toMatch(/Failure: +\S+/);
    expect((await alice.ok(["releases", "-a", app])).stdout).toMatch(/\nv4 +failed +/);
  });

  test("rollback (default: the release before the newest) deploys it again", async () => {
    const rolled = await alice.ok(["rollback", "-a", app]);
    expect(rolled.stderr).toMatch(new RegExp(`^Deploying ${app} v5\\.\\.\\.(\\n(  .+\\n)+Deploying ${app} v5\\.\\.\\.)? done\\n$`));
    expect(rolled.stdout).toBe(`${app} v5: alice rolled back to v3\n`);
    await serving("hi", "v5");
    expect((await alice.ok(["healthchecks", "-a", app, "--json"])).json()).toEqual([]);
  });

  test("--no-wait returns the pending release at once", async () => {
    const quick = await alice.ok(["config:unset", "HEALTH", "--no-wait", "-a", app, "--json"]);
    expect(quick.json()).toMatchObject({ version: 6, status: "pending" });
    expect(quick.stderr).toBe("");
    const human = await alice.ok(["config:set", "GREETING=bye", "--no-wait", "-a", app]);
    expect(human.stdout).toBe(`${app} v7: alice changed GREETING (deploying in the background)\n`);
    const settled = await eventually("v7 to settle", async () => {
      const release = (await alice.ok(["releases:info", "v7", "-a", app, "--json"])).json();
      return release.status === "pending" ? undefined : release;
    });
    expect(settled.status).toBe("succeeded");
    await serving("bye", "v7");
  });
});
