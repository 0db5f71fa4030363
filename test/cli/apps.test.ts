import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uniqueApp } from "../harness/apps";
import { selfSigned } from "../harness/certificates";
import { gitRepo } from "../harness/git";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { type CliUser, registeredUser } from "./cli-harness";

const remoteOf = (dir: string) => execFileSync("git", ["remote", "get-url", "deis"], { cwd: dir, encoding: "utf8" }).trim();

/**
 * Apps, config, releases, domains, certs, perms, limits and healthchecks through the CLI, on apps
 * without a build: their releases deploy nothing, so nothing here waits for a container.
 */
describe("deis: apps and their settings", () => {
  let t: TestPlatform;
  let alice: CliUser;
  let bob: CliUser;
  let repo: string;
  const app = uniqueApp("cli-apps");

  beforeAll(async () => {
    t = await startTestPlatform();
    alice = await registeredUser(t.url, "alice");
    bob = await registeredUser(t.url, "bob");
    repo = gitRepo({ "README.md": "shop\n" });
  });
  afterAll(() => t.stop());

  describe("apps", () => {
    test("create in a git repository adds the remote deis; the app comes from it afterwards", async () => {
      const created = await alice.ok(["create", app], { cwd: repo });
      const remote = `ssh://git@127.0.0.1:${t.platform.config.builderPort}/${app}.git`;
      expect(created.stdout).toBe(`Created ${app}\nURL:        http://${app}.localhost:${t.platform.config.routerPort}\nGit remote: ${remote}\nGit remote deis added\n`);
      expect(remoteOf(repo)).toBe(remote);
      const info = await alice.ok(["apps:info"], { cwd: repo });
      expect(info.stdout).toContain(`=== ${app}\nOwner:      alice\nURL:        http://${app}.localhost:${t.platform.config.routerPort}\nGit remote: ${remote}\nRelease:    v1 succeeded: alice created`);
      expect(info.stdout).toContain(`=== ${app} Processes\nnone\n\n=== ${app} Domains\nnone\n`);
      const json = (await alice.ok(["apps:info", "--json"], { cwd: repo })).json();
      expect(json).toMatchObject({ app: { name: app, owner: { username: "alice" }, latestRelease: { version: 1 } }, processes: [], domains: [] });
    });

    test("create outside git: no remote, and says how to add one; --json prints the app; a random name without one", async () => {
      const other = uniqueApp("cli-other");
      const created = await alice.ok(["create", other]);
      expect(created.stdout).toContain(`No git remote added (not in a git repository); in one, run deis git:remote -a ${other}`);
      const random = (await alice.ok(["create", "--json"])).json();
      expect(random).toMatchObject({ name: expect.stringMatching(/^[a-z]+-[a-z]+(-\d+)?$/), latestRelease: { version: 1, status: "succeeded" } });
      await alice.ok(["apps:destroy", random.name, "--confirm", random.name]);
      await alice.ok(["apps:destroy", "-a", other, "--confirm", other]);
    });

    test("create with a bad or taken name: the field and the rule, exit 1", async () => {
      const bad = await alice.run(["create", "Bad_Name"]);
      expect(bad).toMatchObject({ code: 1, stdout: "" });
      expect(bad.stderr).toMatch(/^Error: name: must .+\n$/);
      const taken = await bob.run(["create", app]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toBe(`Error: an app named "${app}" already exists\n  field: name\n  rule:  must be unique\n`);
    });

    test("outside a git repository and without -a: a clear error asking for -a (exit 1)", async () => {
      for (const command of [["apps:info"], ["config"], ["config:set", "A=1"], ["ps"], ["releases"], ["logs"], ["domains:add", "x.example.com"]]) {
        const result = await alice.run(command);
        expect({ command, code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
          command,
          code: 1,
          stdout: "",
          stderr: "Error: no app given: use -a <app>, or run in a directory whose git remote 'deis' points at it (deis git:remote -a <app>)\n",
        });
      }
      // A repository without the remote is the same.
      expect((await alice.run(["apps:info"], { cwd: gitRepo({ "a.txt": "a\n" }) })).stderr).toContain("no app given: use -a <app>");
    });

    test("apps lists, human and --json; an unknown app is NOT_FOUND (exit 1)", async () => {
      const listed = await alice.ok(["apps"]);
      expect(listed.stdout).toMatch(new RegExp(`^=== Apps\\nNAME +OWNER +RELEASE +URL\\n${app} +alice +v1 +http://${app}\\.localhost:${t.platform.config.routerPort}\\n$`));
      expect((await alice.ok(["apps", "--json"])).json()).toEqual([expect.objectContaining({ name: app, gitRemote: remoteOf(repo) })]);
      expect((await bob.ok(["apps"])).stdout).toBe("You have no apps; create one with deis create.\n");
      const missing = await alice.run(["apps:info", "-a", "no-such-app"]);
      expect(missing).toMatchObject({ code: 1, stderr: 'Error: app "no-such-app" not found\n' });
      const forbidden = await bob.run(["config", "-a", app]);
      expect(forbidden.code).toBe(1);
      expect(forbidden.stderr).toMatch(/^Error: .+\n$/);
    });

    test("apps:open prints the URL (no browser without a terminal)", async () => {
      expect((await alice.ok(["apps:open"], { cwd: repo })).stdout).toBe(`http://${app}.localhost:${t.platform.config.routerPort}\n`);
      expect((await alice.ok(["open", "-a", app, "--json"])).json()).toEqual({ url: `http://${app}.localhost:${t.platform.config.routerPort}` });
    });

    test("git:remote -a adds or replaces the remote; outside a repository it says so", async () => {
      const clone = gitRepo({ "b.txt": "b\n" });
      expect((await alice.ok(["git:remote", "-a", app], { cwd: clone })).stdout).toBe(`Git remote deis added: ${remoteOf(repo)}\n`);
      expect((await alice.ok(["git:remote", "-a", app], { cwd: clone })).stdout).toBe(`Git remote deis already points at ${remoteOf(repo)}\n`);
      execFileSync("git", ["remote", "set-url", "deis", "ssh://git@elsewhere:22/old.git"], { cwd: clone });
      expect((await alice.ok(["git:remote", "-a", app], { cwd: clone })).stdout).toBe(`Git remote deis replaced: ${remoteOf(repo)} (it was ssh://git@elsewhere:22/old.git)\n`);
      expect((await alice.ok(["git:remote", "-a", app, "--remote", "staging", "--json"], { cwd: clone })).json()).toEqual({ remote: "staging", url: remoteOf(repo) });
      const outside = await alice.run(["git:remote", "-a", app]);
      expect(outside).toMatchObject({ code: 1, stderr: `Error: ${alice.cwd} is not in a git repository\nRun git init first, or cd into your app's repository.\n` });
    });
  });

  describe("config", () => {
    test("config:set without a build makes a release at once (nothing to wait for); config shows it", async () => {
      expect((await alice.ok(["config"], { cwd: repo })).stdout).toBe(`=== ${app} Config\nno config values; set one with deis config:set KEY=value\n`);
      const set = await alice.ok(["config:set", "GREETING=hello world", "DATABASE_URL=postgres://db/shop?a=b"], { cwd: repo });
      expect(set.stdout).toBe(`${app} v2: alice added GREETING, DATABASE_URL\n`);
      expect(set.stderr).toBe("");
      expect((await alice.ok(["config"], { cwd: repo })).stdout).toBe(`=== ${app} Config\nDATABASE_URL:  postgres://db/shop?a=b\nGREETING:      hello world\n`);
      expect((await alice.ok(["config", "--json"], { cwd: repo })).json()).toEqual({ DATABASE_URL: "postgres://db/shop?a=b", GREETING: "hello world" });
      const json = (await alice.ok(["config:set", "-a", app, "WORKERS=4", "--json"])).json();
      expect(json).toMatchObject({ version: 3, status: "succeeded", summary: "alice added WORKERS" });
    });

    test("config:set and config:unset: bad input names the field and rule; no release", async () => {
      const badKey = await alice.run(["config:set", "-a", app, "1BAD=x"]);
      expect(badKey).toMatchObject({ code: 1, stdout: "" });
      expect(badKey.stderr).toBe("Error: values[0].key: a config key is letters, digits and '_', and does not start with a digit\n");
      expect((await alice.run(["config:set", "-a", app, "NOVALUE"])).stderr).toContain('Error: expected KEY=value, got "NOVALUE"');
      const unsetMissing = await alice.run(["config:unset", "-a", app, "NOPE"]);
      expect(unsetMissing.stderr).toMatch(/^Error: values\.NOPE: /);
      expect((await alice.ok(["config:unset", "-a", app, "WORKERS", "DATABASE_URL"])).stdout).toBe(`${app} v4: alice removed WORKERS, DATABASE_URL\n`);
    });

    test("config:pull writes .env and refuses to overwrite it; config:push sets every line in one release", async () => {
      const dir = mkdtempSync(join(tmpdir(), "dotenv-"));
      execFileSync("git", ["init", "--quiet", dir]);
      await alice.ok(["git:remote", "-a", app], { cwd: dir });
      expect((await alice.ok(["config:pull"], { cwd: dir })).stdout).toBe(`Wrote 1 config values of ${app} to ${join(dir, ".env")}\n`);
      expect(readFileSync(join(dir, ".env"), "utf8")).toBe('GREETING="hello world"\n');
      const again = await alice.run(["config:pull"], { cwd: dir });
      expect(again).toMatchObject({ code: 1, stderr: `Error: ${join(dir, ".env")} already exists\nRun it again with --overwrite to replace it.\n` });
      writeFileSync(join(dir, ".env"), '# local settings\nGREETING="hi there"\nexport MODE=production\nMULTI="a\\nb"\n');
      expect((await alice.ok(["config:push"], { cwd: dir })).stdout).toBe(`${app} v5: alice added MODE, MULTI and changed GREETING\n`);
      expect((await alice.ok(["config:pull", "--overwrite", "--json"], { cwd: dir })).json()).toEqual({ file: join(dir, ".env"), keys: ["GREETING", "MODE", "MULTI"] });
      expect(readFileSync(join(dir, ".env"), "utf8")).toBe('GREETING="hi there"\nMODE=production\nMULTI="a\\nb"\n');
      writeFileSync(join(dir, "bad.env"), "GOOD=1\nthis is not a pair\n");
      const bad = await alice.run(["config:push", "--file", "bad.env"], { cwd: dir });
      expect(bad).toMatchObject({ code: 1, stderr: `Error: ${join(dir, "bad.env")}:2: expected KEY=value, got "this is not a pair"\n` });
      expect((await alice.run(["config:push", "--file", "none.env"], { cwd: dir })).stderr).toContain("none.env does not exist");
      expect(existsSync(join(dir, ".env"))).toBe(true);
    });
  });

  describe("releases", () => {
    test("releases and releases:info, human and --json; bad versions", async () => {
      const listed = await alice.ok(["releases", "-a", app]);
      expect(listed.stdout).toMatch(new RegExp(`^=== ${app} Releases\\nVERSION +STATUS +CREATED +SUMMARY\\nv5 +succeeded +\\S+ \\S+ +alice added MODE, MULTI and changed GREETING\\n`));
      expect(listed.stdout).toMatch(/\nv1 +succeeded .+ alice created /);
      const two = (await alice.ok(["releases", "-a", app, "-n", "2", "--json"])).json();
      expect(two.map((r: { version: number }) => r.version)).toEqual([5, 4]);
      const info = await alice.ok(["releases:info", "v2", "-a", app]);
      expect(info.stdout).toContain(`=== ${app} v2\nStatus:    succeeded\nSummary:   alice added GREETING, DATABASE_URL\nBy:        alice\n`);
      expect(info.stdout).toContain("Build:     none (nothing deployed yet)\nProcesses: -\nConfig:    DATABASE_URL, GREETING\n");
      expect((await alice.ok(["releases:info", "-a", app, "--json"])).json()).toMatchObject({ version: 5, build: null, config: { values: expect.any(Array) } });
      const missing = await alice.run(["releases:info", "v99", "-a", app]);
      expect(missing.code).toBe(1);
      const rollbackV1 = await alice.run(["rollback", "v1", "-a", app]);
      expect(rollbackV1).toMatchObject({ code: 1, stderr: "Error: version: cannot roll back to v1, the initial release has nothing to run\n" });
    });

    test("rollback of a config-only release: a new release at once", async () => {
      expect((await alice.ok(["rollback", "v2", "-a", app])).stdout).toBe(`${app} v6: alice rolled back to v2\n`);
      expect(Object.keys((await alice.ok(["config", "-a", app, "--json"])).json())).toEqual(["DATABASE_URL", "GREETING"]);
    });

    test("builds and ps of an app without a build", async () => {
      expect((await alice.ok(["builds", "-a", app])).stdout).toBe(`${app} has no builds yet: git push deis main, or deis builds:create <image>\n`);
      expect((await alice.ok(["builds", "-a", app, "--json"])).json()).toEqual([]);
      expect((await alice.ok(["ps", "-a", app])).stdout).toBe(`=== ${app} Processes\nno processes (nothing deployed, or scaled to 0)\n`);
      const scale = await alice.run(["ps:scale", "web=2", "-a", app]);
      expect(scale).toMatchObject({ code: 1, stderr: `Error: ${app} has no build yet: deploy an image or git push first\n` });
      expect((await alice.run(["run", "-a", app, "ls"])).stderr).toContain(`${app} has nothing deployed yet`);
    });
  });

  describe("domains and certs", () => {
    const domain = `shop-${Math.random().toString(36).slice(2, 8)}.example.com`;

    test("domains:add, domains, domains:remove; a bad domain names the field", async () => {
      expect((await alice.ok(["domains:add", domain, "-a", app])).stdout).toBe(`Added ${domain} to ${app}\n`);
      expect((await alice.ok(["domains", "-a", app])).stdout).toMatch(new RegExp(`^=== ${app} Domains\\nDOMAIN +ADDED\\n${domain.replace(/\./g, "\\.")} +\\d{4}-`));
      expect((await alice.ok(["domains", "-a", app, "--json"])).json()).toEqual([expect.objectContaining({ domain })]);
      const bad = await alice.run(["domains:add", "not a domain", "-a", app]);
      expect(bad).toMatchObject({ code: 1 });
      expect(bad.stderr).toMatch(/^Error: domain: /);
      expect((await alice.ok(["domains:remove", domain, "-a", app, "--json"])).json()).toEqual({ removed: domain });
      expect((await alice.ok(["domains", "-a", app])).stdout).toContain("no custom domains");
    });

    test("certs:add reads PEM files; certs lists; certs:remove", async () => {
      const dir = mkdtempSync(join(tmpdir(), "certs-"));
      const { certificate, key } = selfSigned([domain]);
      writeFileSync(join(dir, "cert.pem"), certificate);
      writeFileSync(join(dir, "key.pem"), key);
      const added = await alice.ok(["certs:add", "shop", "cert.pem", "key.pem", "-a", app], { cwd: dir });
      expect(added.stdout).toMatch(new RegExp(`^Added certificate shop to ${app}\\nCommon name: ${domain.replace(/\./g, "\\.")}\\nDomains: +${domain.replace(/\./g, "\\.")}\\n`));
      expect((await alice.ok(["certs", "-a", app])).stdout).toMatch(/^=== .+ Certificates\nNAME +COMMON NAME +DOMAINS +EXPIRES\nshop +/);
      expect((await alice.ok(["certs", "-a", app, "--json"])).json()).toEqual([expect.objectContaining({ name: "shop", commonName: domain, sans: [domain] })]);
      const swapped = await alice.run(["certs:add", "other", "key.pem", "cert.pem", "-a", app], { cwd: dir });
      expect(swapped.code).toBe(1);
      expect(swapped.stderr).toMatch(/^Error: certificate: /);
      expect((await alice.run(["certs:add", "x", "none.pem", "key.pem", "-a", app], { cwd: dir })).stderr).toBe("Error: none.pem does not exist\nGive the path of the PEM certificate.\n");
      expect((await alice.ok(["certs:remove", "shop", "-a", app])).stdout).toBe(`Removed certificate shop from ${app}\n`);
      expect((await alice.run(["certs:remove", "shop", "-a", app])).code).toBe(1);
    });
  });

  describe("perms, limits and healthchecks", () => {
    test("perms:create adds a collaborator who may then use the app; perms lists; perms:delete", async () => {
      expect((await alice.ok(["perms", "-a", app])).stdout).toBe(`=== ${app} Collaborators\nonly the owner; add someone with deis perms:create <username>\n`);
      expect((await alice.ok(["perms:create", "bob", "-a", app])).stdout).toBe(`Added bob to ${app}\n`);
      expect((await bob.ok(["config", "-a", app])).stdout).toContain("GREETING:");
      expect((await alice.ok(["perms", "-a", app])).stdout).toMatch(/USERNAME +ADDED\nbob +\d{4}-/);
      expect((await alice.ok(["perms", "-a", app, "--json"])).json()).toEqual([expect.objectContaining({ user: { username: "bob" } })]);
      const notOwner = await bob.run(["perms:create", "alice", "-a", app]);
      expect(notOwner.code).toBe(1);
      expect((await alice.ok(["perms:delete", "bob", "-a", app])).stdout).toBe(`Removed bob from ${app}\n`);
      expect((await bob.run(["config", "-a", app])).code).toBe(1);
    });

    test("limits:set (memory by default, --cpu), limits, limits:unset; a bad limit names the field", async () => {
      expect((await alice.ok(["limits", "-a", app])).stdout).toBe(`=== ${app} Limits\nunlimited\n`);
      expect((await alice.ok(["limits:set", "web=512M", "--cpu", "web=500m", "-a", app])).stdout).toBe(`${app} v7: alice changed limits: web memory=512M, web cpu=500m\n`);
      expect((await alice.ok(["limits", "-a", app])).stdout).toBe(`=== ${app} Limits\nTYPE  MEMORY  CPU\nweb   512M    500m\n`);
      expect((await alice.ok(["limits", "-a", app, "--json"])).json()).toEqual([{ type: "web", memory: "512M", cpu: "500m" }]);
      const bad = await alice.run(["limits:set", "web=lots", "-a", app]);
      expect(bad).toMatchObject({ code: 1 });
      expect(bad.stderr).toMatch(/^Error: memory\.web: /);
      expect((await alice.ok(["limits:unset", "web", "--cpu", "-a", app, "--json"])).json()).toMatchObject({ version: 8, summary: "alice changed limits: web cpu unlimited" });
      expect((await alice.ok(["limits:unset", "web", "-a", app])).stdout).toBe(`${app} v9: alice changed limits: web memory unlimited\n`);
      expect((await alice.run(["limits:unset", "web", "-a", app])).stderr).toMatch(/^Error: memory\.web: /);
    });

    test("healthchecks:set (GET a path, or TCP without --path), healthchecks, healthchecks:unset", async () => {
      expect((await alice.ok(["healthchecks", "-a", app])).stdout).toBe(`=== ${app} Healthchecks\nnone set: each process is checked with a TCP connect to its PORT\n`);
      const set = await alice.ok(["healthchecks:set", "--path", "/health", "--delay", "1", "--timeout", "3", "--period", "2", "--threshold", "5", "-a", app]);
      expect(set.stdout).toBe(`${app} v10: alice set the web healthcheck to GET /health\n`);
      expect((await alice.ok(["healthchecks:set", "--type", "worker", "-a", app])).stdout).toBe(`${app} v11: alice set the worker healthcheck to a TCP connect\n`);
      expect((await alice.ok(["healthchecks", "-a", app])).stdout).toBe(
        `=== ${app} Healthchecks\nTYPE    CHECK        DELAY  TIMEOUT  PERIOD  THRESHOLD\nweb     GET /health  1s     3s       2s      5\nworker  TCP connect  0s     5s       2s      30\n`,
      );
      expect((await alice.ok(["healthchecks", "-a", app, "--json"])).json()).toContainEqual({ type: "web", path: "/health", initialDelaySeconds: 1, timeoutSeconds: 3, periodSeconds: 2, failureThreshold: 5 });
      const bad = await alice.run(["healthchecks:set", "--path", "no-slash", "-a", app]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^Error: path: /);
      expect((await alice.run(["healthchecks:set", "--period", "soon", "-a", app])).code).toBe(2);
      expect((await alice.ok(["healthchecks:unset", "--type", "worker", "-a", app])).stdout).toBe(`${app} v12: alice removed the worker healthcheck\n`);
      expect((await alice.run(["healthchecks:unset", "--type", "worker", "-a", app])).stderr).toMatch(/^Error: type: /);
    });
  });

  describe("logs:token", () => {
    test("shows the app's syslog ingest token and how to send; --rotate replaces it; a stranger gets none", async () => {
      const logged = uniqueApp("cli-logtoken");
      await alice.ok(["create", logged, "--no-remote"]);
      const shown = await alice.ok(["logs:token", "-a", logged]);
      const token = /Token: +([0-9a-f]{64})\n/.exec(shown.stdout)?.[1];
      expect(token).toBeDefined();
      expect(shown.stdout).toContain(`${logged} log ingest\n`);
      expect(shown.stdout).toContain(`127.0.0.1:${t.platform.config.syslogPort} (UDP or TCP)`);
      expect(shown.stdout).toContain(`[deis token="${token}"]`);
      const rotated = (await alice.ok(["logs:token", "--rotate", "-a", logged, "--json"])).json();
      expect(rotated).toMatchObject({ app: logged, port: t.platform.config.syslogPort });
      expect(rotated.token).not.toBe(token);
      expect((await alice.ok(["logs:token", "-a", logged, "--json"])).json().token).toBe(rotated.token);
      const stranger = await bob.run(["logs:token", "-a", logged]);
      expect(stranger.code).toBe(1);
      expect(stranger.stdout).not.toContain(rotated.token);
      await alice.ok(["apps:destroy", logged, "--confirm", logged]);
    });
  });

  describe("apps:transfer and apps:destroy", () => {
    test("apps:transfer gives the app away; the new owner sees it", async () => {
      const gift = uniqueApp("cli-gift");
      await alice.ok(["create", gift, "--no-remote"]);
      expect((await alice.ok(["apps:transfer", "bob", "-a", gift])).stdout).toBe(`Transferred ${gift} to bob\n`);
      expect((await bob.ok(["apps", "--json"])).json().map((a: { name: string }) => a.name)).toContain(gift);
      expect((await bob.run(["apps:transfer", "nobody", "-a", gift])).stderr).toBe('Error: user "nobody" not found\n');
      await bob.ok(["apps:destroy", gift, "--confirm", gift]);
    });

    test("apps:destroy needs --confirm with the name; then removes the app and the git remote", async () => {
      const unconfirmed = await alice.run(["apps:destroy"], { cwd: repo });
      expect(unconfirmed).toMatchObject({ code: 1, stderr: `Error: destroying ${app} needs confirming\nRun it again with --confirm ${app}.\n` });
      expect((await alice.run(["apps:destroy", "--confirm", "other"], { cwd: repo })).stderr).toContain(`--confirm other does not match the app ${app}`);
      expect((await bob.run(["apps:destroy", "-a", app, "--confirm", app])).code).toBe(1);
      expect((await alice.ok(["apps:destroy", "--confirm", app], { cwd: repo })).stdout).toBe(`Destroyed ${app} and removed the git remote deis\n`);
      expect(() => remoteOf(repo)).toThrow();
      expect((await alice.run(["apps:info", "-a", app])).stderr).toBe(`Error: app "${app}" not found\n`);
    });
  });
});
