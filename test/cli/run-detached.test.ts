import { uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";
import { type CliUser, registeredUser } from "./cli-harness";

/**
 * `deis run:detached`: a one-off in the background, its output in the app's log under its name; ps
 * lists it, ps:stop ends it. An app may run at most DEIS_ONE_OFFS_PER_APP one-offs at once (2 here).
 */
describe("deis run:detached", () => {
  let t: TestPlatform;
  let alice: CliUser;
  const app = uniqueApp("cli-detached");

  beforeAll(async () => {
    t = await startTestPlatform({ env: { DEIS_ONE_OFFS_PER_APP: "2" } });
    alice = await registeredUser(t.url, "alice");
    await alice.ok(["create", app, "--no-remote"]);
    await alice.ok(["builds:create", ECHO_IMAGE, "--procfile", "web=node /app/server.js", "-a", app]);
  });
  afterAll(async () => {
    await alice.run(["apps:destroy", app, "--confirm", app]);
    await t.platform.services.deploys.settled();
    await t.stop();
  });

  test("prints the one-off's name; its output lands in the app's log under that name; ps shows it until ps:stop", async () => {
    const started = await alice.ok(["run:detached", "-a", app, "--", "sh", "-c", 'echo "detached says $DEIS_APP"; exec sleep 600']);
    const name = /^Running `sh -c 'echo "detached says \$DEIS_APP"; exec sleep 600'` on \S+ as (run\.\d{4})\n/.exec(started.stdout)?.[1];
    expect(name).toBeDefined();
    expect(started.stdout).toContain(`Follow its output with deis logs -d ${name} -t; stop it with deis ps:stop ${name}\n`);
    await eventually(`${name}'s line in the log`, async () => {
      const logs = await alice.ok(["logs", "-a", app, "-d", name!]);
      return logs.stdout.includes(`${app}[${name}]: detached says ${app}\n`) ? true : undefined;
    });
    const ps = await alice.ok(["ps", "-a", app]);
    expect(ps.stdout).toMatch(new RegExp(`\\n${name!.replace(".", "\\.")} +running +v2 `));
    expect(ps.stdout).toMatch(/\nweb\.1 +running +v2 /);

    const bad = await alice.run(["ps:stop", "web.1", "-a", app]);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toMatch(/^Error: name: must name a detached one-off/);
    expect((await alice.run(["ps:stop", "run.1", "-a", app])).stderr).toBe('Error: process "run.1" not found\n');

    expect((await alice.ok(["ps:stop", name!, "-a", app])).stdout).toBe(`Stopped ${name} of ${app}\n`);
    const after = (await alice.ok(["ps", "-a", app, "--json"])).json() as { type: string }[];
    expect(after.map((p) => p.type)).toEqual(["web"]);
  });

  test("one more one-off than DEIS_ONE_OFFS_PER_APP is refused, naming the limit; stopping one makes room", async () => {
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const started = await alice.ok(["run:detached", "-a", app, "--", "sleep", "600"]);
      names.push(/ as (run\.\d{4})\n/.exec(started.stdout)![1]);
    }
    for (const command of [["run:detached", "-a", app, "--", "sleep", "600"], ["run", "-T", "-a", app, "--", "true"]]) {
      const refused = await alice.run(command);
      expect(refused).toMatchObject({ code: 1, stdout: "" });
      expect(refused.stderr).toContain(`${app} already has 2 one-off processes running, the most an app may have at once (DEIS_ONE_OFFS_PER_APP=2)`);
    }
    await alice.ok(["ps:stop", names[0], "-a", app]);
    expect((await alice.run(["run", "-T", "-a", app, "--", "true"])).code).toBe(0);
    await alice.ok(["ps:stop", names[1], "-a", app]);
  });

  test("an app with nothing deployed is refused with the reason", async () => {
    const empty = uniqueApp("cli-empty");
    await alice.ok(["create", empty, "--no-remote"]);
    const refused = await alice.run(["run:detached", "-a", empty, "true"]);
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toContain("has nothing deployed yet");
    await alice.ok(["apps:destroy", empty, "--confirm", empty]);
  });
});
