import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { appLogBatchesTopic } from "../../src/core/topics";
import { uniqueApp } from "../harness/apps";
import { gitRepo } from "../harness/git";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";
import { type CliUser, registeredUser } from "./cli-harness";

const remoteOf = (dir: string, name = "deis") => execFileSync("git", ["remote", "get-url", name], { cwd: dir, encoding: "utf8" }).trim();
const remoteNames = (dir: string) => execFileSync("git", ["remote"], { cwd: dir, encoding: "utf8" }).split("\n").filter(Boolean).sort();

/** The CLI as a Heroku user expects it (issue 18), on a platform without deploys. */
describe("deis: Heroku habits", () => {
  let t: TestPlatform;
  let alice: CliUser;
  const app = uniqueApp("cli-habits");
  const staging = uniqueApp("cli-staging");
  let repo: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    alice = await registeredUser(t.url, "alice", "correct-horse-battery");
    repo = gitRepo({ "README": "hello\n" });
    await alice.ok(["create", app], { cwd: repo });
    await alice.ok(["create", staging, "--remote", "staging"], { cwd: repo });
  });
  afterAll(async () => {
    for (const name of [app, staging]) await alice.run(["apps:destroy", name, "--confirm", name]);
    await t.stop();
  });

  test("create says each thing once: the app, its URL and git remote, and which remote was added", async () => {
    const other = uniqueApp("cli-once");
    const created = await alice.ok(["create", other, "--remote", "once"], { cwd: repo });
    expect(created.stdout).toBe(`Created ${other}\nURL:        http://${other}.localhost:${t.platform.router.port}\nGit remote: ${remoteOf(repo, "once")}\nGit remote once added\n`);
    await alice.ok(["apps:destroy", other, "--confirm", other], { cwd: repo });
  });

  test("-r/--remote takes the app from another git remote; an unknown remote says so", async () => {
    expect((await alice.ok(["apps:info", "--json"], { cwd: repo })).json().app.name).toBe(app);
    expect((await alice.ok(["apps:info", "-r", "staging", "--json"], { cwd: repo })).json().app.name).toBe(staging);
    expect((await alice.ok(["config:set", "STAGE=yes", "--remote", "staging"], { cwd: repo })).stdout).toBe(`${staging} v2: alice added STAGE\n`);
    const missing = await alice.run(["config", "-r", "nowhere"], { cwd: repo });
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toBe("Error: there is no git remote 'nowhere' here\nUse -a <app>, or add it with deis git:remote -a <app> --remote nowhere.\n");
  });

  test("destroy of another app keeps this directory's remotes; destroy of the app removes the remotes pointing at it", async () => {
    const elsewhere = uniqueApp("cli-other");
    await alice.ok(["create", elsewhere, "--no-remote"], { cwd: repo });
    const before = remoteNames(repo);
    expect((await alice.ok(["apps:destroy", elsewhere, "--confirm", elsewhere], { cwd: repo })).stdout).toBe(`Destroyed ${elsewhere}\n`);
    expect(remoteNames(repo)).toEqual(before);

    const doomed = uniqueApp("cli-doomed");
    await alice.ok(["create", doomed, "--remote", "doomed"], { cwd: repo });
    execFileSync("git", ["remote", "add", "doomed-too", remoteOf(repo, "doomed")], { cwd: repo });
    const destroyed = await alice.ok(["apps:destroy", doomed, "--confirm", doomed, "--json"], { cwd: repo });
    expect(destroyed.json()).toEqual({ destroyed: doomed, removedRemotes: ["doomed", "doomed-too"] });
    expect(remoteNames(repo)).toEqual(before);
  });

  test("config --shell prints KEY='value' lines a shell reads back exactly; config --json is {KEY: value}", async () => {
    const tricky = "it's $HOME; `x` \"q\"\nline two";
    await alice.ok(["config:set", `TRICKY=${tricky}`, "PLAIN=postgres://db/shop"], { cwd: repo });
    const shell = await alice.ok(["config", "-s"], { cwd: repo });
    expect(shell.stdout).toBe(`PLAIN=postgres://db/shop\nTRICKY='it'\\''s $HOME; \`x\` "q"\nline two'\n`);
    const readBack = execFileSync("sh", ["-c", `${shell.stdout}\nprintf %s "$TRICKY"`], { encoding: "utf8" });
    expect(readBack).toBe(tricky);
    expect((await alice.ok(["config", "--json"], { cwd: repo })).json()).toEqual({ PLAIN: "postgres://db/shop", TRICKY: tricky });
  });

  test("config:get KEY prints the value as it is; --shell quotes it; an unset key exits 1 saying so", async () => {
    expect((await alice.ok(["config:get", "PLAIN"], { cwd: repo })).stdout).toBe("postgres://db/shop\n");
    expect((await alice.ok(["config:get", "TRICKY", "-s"], { cwd: repo })).stdout).toMatch(/^TRICKY='it'\\''s/);
    expect((await alice.ok(["config:get", "PLAIN", "--json"], { cwd: repo })).json()).toEqual({ PLAIN: "postgres://db/shop" });
    const unset = await alice.run(["config:get", "NOPE"], { cwd: repo });
    expect(unset).toMatchObject({ code: 1, stdout: "", stderr: `Error: NOPE is not set on ${app}\nSee the keys with deis config -a ${app}.\n` });
  });

  test("bad input: one line naming the field and the rule, once", async () => {
    const bad = await alice.run(["config:set", "1BAD=x"], { cwd: repo });
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toBe("Error: values[0].key: a config key is letters, digits and '_', and does not start with a digit\n");
  });

  test("JSON says succeeded where tables do; releases has no repeated user and fits the terminal's width", async () => {
    const releases = await alice.ok(["releases", "--json"], { cwd: repo });
    expect(releases.json()[0]).toMatchObject({ status: "succeeded", summary: expect.stringMatching(/^alice /) });
    const table = await alice.ok(["releases"], { cwd: repo, columns: 40 });
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^VERSION +STATUS +CREATED +SUMMARY$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(table.stdout).toContain("…");
    expect(table.stdout).not.toMatch(/ BY /);
    // Piped (no width): nothing is cut.
    expect((await alice.ok(["releases"], { cwd: repo })).stdout).not.toContain("…");
  });

  test("colour only on a terminal, and never with NO_COLOR", async () => {
    const escape = /\x1b\[/; // eslint-disable-line no-control-regex
    expect((await alice.ok(["releases"], { cwd: repo, tty: true })).stdout).toMatch(escape);
    expect((await alice.ok(["releases"], { cwd: repo, tty: true, env: { NO_COLOR: "1" } })).stdout).not.toMatch(escape);
    expect((await alice.ok(["releases"], { cwd: repo })).stdout).not.toMatch(escape);
  });

  test("auth:token prints the token; login --with-token and --password-stdin read stdin", async () => {
    const token = (await alice.ok(["auth:token"])).stdout.trim();
    expect(token).toBe(JSON.parse(readFileSync(join(alice.home, ".deis", "client.json"), "utf8")).token);
    const script = await registeredUser(t.url, "scripted", "a-script-password");
    await script.ok(["logout"]);
    const withToken = await script.ok(["login", t.url, "--with-token"], { stdin: `${token}\n` });
    expect(withToken.stdout).toBe(`Logged in as alice at ${t.url}\n`);
    expect((await script.ok(["whoami"])).stdout).toContain("You are alice");
    const withPassword = await script.ok(["login", t.url, "-u", "scripted", "--password-stdin"], { stdin: "a-script-password\n" });
    expect(withPassword.stdout).toBe(`Logged in as scripted at ${t.url}\n`);
    const wrong = await script.run(["login", t.url, "--with-token"], { stdin: "dts_not-a-token\n" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^Error: .+\nRun deis login/);
    const none = await script.run(["login", t.url, "--with-token"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--with-token reads a token from stdin");
  });

  test("tags and drains: set, list, remove", async () => {
    expect((await alice.ok(["tags:set", "disk=ssd"], { cwd: repo })).stdout).toMatch(new RegExp(`^${app} v\\d+: alice .*disk.*\\n$`));
    expect((await alice.ok(["tags", "--json"], { cwd: repo })).json()).toEqual({ disk: "ssd" });
    await alice.ok(["tags:unset", "disk"], { cwd: repo });
    expect((await alice.ok(["tags", "--json"], { cwd: repo })).json()).toEqual({});
    const bad = await alice.run(["drains:add", "http://example.com"], { cwd: repo });
    expect(bad.code).toBe(1);
    expect(bad.stderr.split("\n")[0]).toMatch(/^Error: url/);
    expect((await alice.ok(["drains"], { cwd: repo })).stdout).toContain("no drains");
  });

  test("the builder's host key fingerprint (printed at start-up) is the one ssh sees on the first push", async () => {
    // Asynchronously: the builder answers from this very process.
    const { stdout: scanned } = await promisify(execFile)("ssh-keyscan", ["-p", String(t.platform.builder.port), "-t", "ed25519", "127.0.0.1"], { encoding: "utf8" });
    const listed = execFileSync("ssh-keygen", ["-l", "-f", "-"], { input: scanned, encoding: "utf8" });
    expect(listed.split(" ")[1]).toBe(t.platform.builder.hostKeyFingerprint);
    expect(t.platform.builder.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  test("a subscription sent as an HTTP POST answers 400 saying to use the WebSocket, not INTERNAL_SERVER_ERROR", async () => {
    const token = (await alice.ok(["auth:token"])).stdout.trim();
    const response = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `subscription { logs(app: "${app}") { text } }` }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe("BAD_REQUEST");
    expect(body.errors[0].message).toBe("subscriptions are served over a WebSocket (the graphql-ws protocol) on /graphql, not over HTTP POST");
    // The same over GET, and a query still works over HTTP.
    const get = await fetch(`${t.url}?query=${encodeURIComponent(`subscription { logs(app: "${app}") { text } }`)}`, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(400);
    const query = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ platform { domain } }" }) });
    expect(query.status).toBe(200);
  });

  test("logs -f when the platform stops mid-stream: a one-line error naming the controller, exit 1", async () => {
    const own = await startTestPlatform({ backend: "embedded" });
    let stopped = false;
    try {
      const bob = await registeredUser(own.url, "bob");
      const mine = uniqueApp("cli-gone");
      await bob.ok(["create", mine, "--no-remote"]);
      const topic = appLogBatchesTopic(mine);
      const following = bob.run(["logs", "-t", "-a", mine]);
      await eventually("logs -t to be subscribed", async () => (own.subscribers(topic) > 0 ? true : undefined));
      await own.stop();
      stopped = true;
      const ended = await following;
      expect(ended.code).toBe(1);
      expect(ended.stderr).not.toContain("[object Object]");
      expect(ended.stderr).toMatch(new RegExp(`^Error: the connection to ${own.url.replace(/[.]/g, "\\.")} closed \\(\\d+[^)]*\\)\\nThe platform stopped or the network went away; run the command again once it is back\\.\\n$`));
    } finally {
      if (!stopped) await own.stop();
    }
  });
});
