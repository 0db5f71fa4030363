import { uniqueApp } from "../harness/apps";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { type CliUser, registeredUser } from "./cli-harness";

/** `deis audit` and `deis hooks*`: tables, --json, and the API's refusals as the CLI shows them. */
describe("deis: audit and hooks", () => {
  let t: TestPlatform;
  let root: CliUser;
  let alice: CliUser;
  let bob: CliUser;
  const app = uniqueApp("cli-audit");

  beforeAll(async () => {
    // Hooks to loopback (the URL below) only where the operator allows them.
    t = await startTestPlatform({ backend: "embedded", env: { DEIS_DRAINS_ALLOW: "127.0.0.1/32" } });
    root = await registeredUser(t.url, "root");
    alice = await registeredUser(t.url, "alice");
    bob = await registeredUser(t.url, "bob");
    await alice.ok(["create", app, "--no-remote"]);
    await alice.ok(["config:set", "TOKEN=hunter2-never-shown", "-a", app]);
  });
  afterAll(() => t.stop());

  test("audit -a APP: a table, newest first, with config keys and never values; --json", async () => {
    const { stdout } = await alice.ok(["audit", "-a", app]);
    expect(stdout).toMatch(new RegExp(`^=== ${app} Audit\nTIME +USER +ADDRESS +OUTCOME +WHAT\n`));
    const rows = stdout.trimEnd().split("\n").slice(2);
    expect(rows[0]).toMatch(/alice +127\.0\.0\.1 +ok +setConfig set=\[TOKEN\]$/);
    expect(rows[1]).toMatch(/alice +127\.0\.0\.1 +ok +createApp$/);
    const json = (await alice.ok(["audit", "-a", app, "--json"])).json<{ operation: string; outcome: string }[]>();
    expect(json.map((e) => e.operation)).toEqual(["setConfig", "createApp"]);
    expect(JSON.stringify(json) + stdout).not.toContain("hunter2");
  });

  test("audit: another user's app is not found; --platform is for admins, and shows every app", async () => {
    expect(await bob.run(["audit", "-a", app])).toMatchObject({ code: 1, stderr: `Error: app "${app}" not found\n` });
    expect(await alice.run(["audit", "--platform"])).toMatchObject({ code: 1, stderr: "Error: only an admin may do this\n" });
    expect((await alice.run(["audit", "--platform", "-a", app])).code).toBe(2);
    const { stdout } = await root.ok(["audit", "--platform", "-n", "100"]);
    expect(stdout).toMatch(/^=== Platform Audit\nTIME +USER +ADDRESS +OUTCOME +APP +WHAT\n/);
    expect(stdout).toContain(`${app}  setConfig set=[TOKEN]`);
    expect(stdout).toMatch(/bob +127\.0\.0\.1 +ok +- +register username=bob/);
  });

  test("hooks:add prints the secret once; hooks lists without it; hooks:deliveries; hooks:remove", async () => {
    const added = await alice.ok(["hooks:add", "http://127.0.0.1:9/ci?token=abc", "-a", app]);
    const [, id, secret] = /^Added hook (\S+) to .*\nSecret: ([0-9a-f]{64})\n/.exec(added.stdout) ?? [];
    expect(id).toBeDefined();
    const list = await alice.ok(["hooks", "-a", app]);
    expect(list.stdout).toContain(`${id}  http://127.0.0.1:9/ci?token=abc`);
    expect(list.stdout).not.toContain(secret);
    expect((await alice.ok(["hooks:deliveries", id, "-a", app])).stdout).toBe("no deliveries yet: they are made when a release is deployed or fails\n");
    expect((await alice.ok(["hooks:remove", id, "-a", app])).stdout).toBe(`Removed hook ${id} from ${app}\n`);
    expect((await alice.ok(["hooks", "-a", app, "--json"])).json()).toEqual([]);
    const refused = await alice.run(["hooks:add", "http://localhost:9/x", "-a", app]);
    expect(refused).toMatchObject({ code: 1, stderr: "Error: url: localhost is a loopback name; a hook may not reach this host\n" });
  });
});
