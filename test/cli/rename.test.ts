import { execFile, execFileSync } from "node:child_process";
import { ImageNames } from "../../src/modules/docker";
import { uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { commit, gitPush, gitRepo, sshKeygen } from "../harness/git";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";
import { type CliUser, registeredUser } from "./cli-harness";

const remoteOf = (dir: string, name = "deis") => execFileSync("git", ["remote", "get-url", name], { cwd: dir, encoding: "utf8" }).trim();

/** `git ls-remote` over ssh with the key: the refs the builder's repository of the remote has. */
function lsRemote(url: string, privateKeyPath: string): Promise<{ code: number; output: string }> {
  const ssh = `ssh -i ${privateKeyPath} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
  return new Promise((resolve) =>
    execFile("git", ["ls-remote", url], { env: { ...process.env, GIT_SSH_COMMAND: ssh } }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, output: `${stdout}${stderr}` }),
    ),
  );
}

/**
 * `deis apps:rename` on an app deployed with git push: the new name serves and takes pushes, the old
 * one answers as a name no app has and leaves nothing behind (processes, network, repository, log lines, images),
 * and the old name can be taken by someone else, who sees none of it.
 */
describe("deis apps:rename", () => {
  let t: TestPlatform;
  let alice: CliUser;
  let bob: CliUser;
  let aliceKey: { privateKeyPath: string };
  let bobKey: { privateKeyPath: string };
  let repo: string;
  const app = uniqueApp("cli-ren");
  const renamed = uniqueApp("cli-renamed");
  const host = (name: string) => `${name}.localhost`;
  const answer = (name: string) => send(t.platform.router.port, host(name), "/");
  const serving = (name: string, release: string) =>
    eventually(`${name} to serve ${release}`, async () => {
      const got = await answer(name);
      if (got.status !== 200) return undefined;
      const body = JSON.parse(got.body);
      return body.app === name && body.release === release ? body : undefined;
    });

  beforeAll(async () => {
    t = await startTestPlatform();
    alice = await registeredUser(t.url, "alice");
    bob = await registeredUser(t.url, "bob");
    const a = sshKeygen("alice@laptop");
    const b = sshKeygen("bob@laptop");
    aliceKey = a;
    bobKey = b;
    await alice.ok(["keys:add", `${a.privateKeyPath}.pub`]);
    await bob.ok(["keys:add", `${b.privateKeyPath}.pub`]);
    repo = gitRepo({ Dockerfile: `FROM ${ECHO_IMAGE}\nENV MARK=one\n` });
    await alice.ok(["create", app], { cwd: repo });
    const push = await gitPush(repo, "deis", a.privateKeyPath);
    expect(push.output).toContain(`${app}:v2 deployed`);
    await serving(app, "v2");
    await alice.ok(["perms:create", "bob", "-a", app]);
  });
  afterAll(async () => {
    for (const name of [app, renamed]) await alice.run(["apps:destroy", name, "--confirm", name]);
    await bob.run(["apps:destroy", app, "--confirm", app]);
    await t.platform.services.deploys.settled();
    await t.stop();
  });

  test("a collaborator may not rename; a bad or taken name is named with its rule and changes nothing", async () => {
    const refused = await bob.run(["apps:rename", renamed, "-a", app]);
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toContain(`only the owner of ${app}`);
    const bad = await alice.run(["apps:rename", "Bad_Name"], { cwd: repo });
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toBe(`Renaming ${app} to Bad_Name... failed\nError: name: must be lowercase letters, digits and hyphens, start with a letter and not end with a hyphen\n`);
    const taken = uniqueApp("cli-taken");
    await bob.ok(["create", taken, "--no-remote"]);
    const clash = await alice.run(["apps:rename", taken], { cwd: repo });
    expect(clash).toMatchObject({ code: 1, stdout: "" });
    expect(clash.stderr).toBe(`Renaming ${app} to ${taken}... failed\nError: an app named "${taken}" already exists\n  field: name\n  rule:  must be unique\n`);
    await bob.ok(["apps:destroy", taken, "--confirm", taken]);
    expect(remoteOf(repo)).toContain(`/${app}.git`);
    expect((await alice.ok(["apps", "--json"])).json().map((a: { name: string }) => a.name)).toContain(app);
  });

  test("rename moves the app: the new URL answers, the old one answers as no app, the remote deis is updated, nothing is left under the old name", async () => {
    const custom = `${app}.example.test`;
    await alice.ok(["domains:add", custom], { cwd: repo });
    const done = await alice.ok(["apps:rename", renamed], { cwd: repo });
    const gitRemote = `ssh://git@127.0.0.1:${t.platform.config.builderPort}/${renamed}.git`;
    expect(done.stdout).toBe(
      `URL:        http://${renamed}.localhost:${t.platform.router.port}\nGit remote: ${gitRemote}\n` +
        `Git remote deis updated\nOther checkouts of the app need their remote updated: deis git:remote -a ${renamed}\n`,
    );
    // Said once, on stderr: the rename, then the app starting under its new name until it runs.
    expect(done.stderr).toMatch(new RegExp(`^Renaming ${app} to ${renamed}\\.\\.\\. done\\n(Starting ${renamed}\\.\\.\\.\\n(  .+\\n)+)?Starting ${renamed}\\.\\.\\. done\\n$`));
    expect(remoteOf(repo)).toBe(gitRemote);
    // Same release, same config, under the new name; the custom domain stays with the app.
    await serving(renamed, "v2");
    await eventually(`${custom} to route to ${renamed}`, async () => {
      const got = await send(t.platform.router.port, custom, "/");
      return got.status === 200 && JSON.parse(got.body).app === renamed ? true : undefined;
    });
    expect((await alice.ok(["domains", "--json"], { cwd: repo })).json()).toEqual([expect.objectContaining({ domain: custom })]);
    // The router knows which names are apps (a key per app in discovery): the old name answers as a
    // name no app ever had (404, the unknown-host page), never the app.
    const nobody = await answer(uniqueApp("never-was"));
    expect(nobody.status).toBe(404);
    await eventually(`${app} to answer as no app`, async () => {
      const got = await answer(app);
      return got.status === nobody.status && got.body === nobody.body ? true : undefined;
    });
    const engine = t.platform.runtime.engine;
    const labelled = [`deis.platform=${t.platform.config.platformId}`, `deis.app=${app}`];
    await eventually("the old name's containers and network to go", async () =>
      (await engine.listContainers(labelled)).length === 0 && (await engine.docker.listNetworks({ filters: { label: labelled } })).length === 0 ? true : undefined,
    );
    const info = (await alice.ok(["apps:info", "--json"], { cwd: repo })).json();
    expect(info).toMatchObject({ app: { name: renamed, latestRelease: { version: 2 } }, processes: [expect.objectContaining({ name: `${renamed}.v2.cmd.1`, state: "running" })] });
    expect((await alice.run(["apps:info", "-a", app])).stderr).toBe(`Error: app "${app}" not found\n`);
    // Its recent log lines came along, under the new name.
    expect((await alice.ok(["logs", "-n", "1000"], { cwd: repo })).stdout).toMatch(/Z deis\[api\]: alice created initial release\n/);
  });

  test("git push to the renamed app deploys under the new name", async () => {
    commit(repo, { Dockerfile: `FROM ${ECHO_IMAGE}\nENV MARK=two\n` }, "second");
    const push = await gitPush(repo, "deis", aliceKey.privateKeyPath);
    expect(push.output).toContain(`${renamed}:v3 deployed`);
    expect(push.code).toBe(0);
    await serving(renamed, "v3");
  });

  test("the old name can be created again by someone else, who gets none of the renamed app's repository, logs or images", async () => {
    await bob.ok(["create", app, "--no-remote"]);
    const url = `ssh://git@127.0.0.1:${t.platform.config.builderPort}/${app}.git`;
    const refs = await lsRemote(url, bobKey.privateKeyPath);
    expect(refs).toEqual({ code: 0, output: "" });
    const logs = (await bob.ok(["logs", "-a", app])).stdout;
    expect(logs).not.toContain("alice");
    expect(logs).not.toContain(`${app}[cmd.1]`);
    const names = new ImageNames(t.platform.config.registryUrl ? new URL(t.platform.config.registryUrl).host : null);
    expect(await t.platform.runtime.engine.docker.listImages({ filters: { reference: [`${names.repository(app)}:*`] } })).toEqual([]);
  });
});
