import { STACK_IMAGE } from "../../src/modules/docker";
import { RegistryClient } from "../../src/modules/registry";
import type { DeisClient } from "../../src/sdk/client";
import { get, uniqueApp } from "../harness/apps";
import { testEnv } from "../harness/env";
import { commit, gitPush, gitRepo, sshCommand, sshKeygen } from "../harness/git";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

const SERVER = `require("http").createServer((q, s) => s.end(JSON.stringify({ kind: process.env.KIND, release: process.env.DEIS_RELEASE, greeting: process.env.GREETING || null }))).listen(process.env.PORT);\n`;
const DOCKERFILE = `FROM ${STACK_IMAGE}\nCOPY server.js /app/server.js\nENV KIND=dockerfile\nEXPOSE 5000\nCMD ["node", "/app/server.js"]\n`;

/** `git push` over SSH with the real OpenSSH client and git, to a build, a release and a deploy. */
describe("git push deis main", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  let key: { privateKeyPath: string; publicKey: string };
  const dockerApp = uniqueApp("push-docker");
  const nodeApp = uniqueApp("push-node");
  let dockerRemote: string;
  let nodeRemote: string;
  let dockerRepo: string;

  const webAddress = async (app: string) => (await alice.sdk.Processes({ app })).processes.find((p) => p.type === "web" && p.state === "running")?.address;

  beforeAll(async () => {
    t = await startTestPlatform();
    ({ client: alice } = await t.signUp("alice"));
    key = sshKeygen("alice@laptop");
    await alice.sdk.AddKey({ publicKey: key.publicKey });
    dockerRemote = (await alice.sdk.CreateApp({ name: dockerApp })).createApp.gitRemote;
    nodeRemote = (await alice.sdk.CreateApp({ name: nodeApp })).createApp.gitRemote;
  });
  afterAll(() => t.stop());

  test("the git remote is part of the app", async () => {
    expect(dockerRemote).toBe(`ssh://git@127.0.0.1:${t.platform.config.builderPort}/${dockerApp}.git`);
    expect((await alice.sdk.App({ name: dockerApp })).app.gitRemote).toBe(dockerRemote);
  });

  test("a Dockerfile app builds, is pushed to the registry with its digest recorded, and serves", async () => {
    dockerRepo = gitRepo({ "server.js": SERVER, Dockerfile: DOCKERFILE, Procfile: "web: node /app/server.js\n" });
    const push = await gitPush(dockerRepo, dockerRemote, key.privateKeyPath);
    expect(push.output).toContain("Dockerfile app detected");
    expect(push.output).toContain(`done, ${dockerApp}:v2 deployed`);
    expect(push.output).toContain(`http://${dockerApp}.localhost:${t.platform.config.routerPort}`);
    expect(push.code).toBe(0);
    const address = await webAddress(dockerApp);
    expect(JSON.parse((await get(address!)).body)).toEqual({ kind: "dockerfile", release: "v2", greeting: null });
    const [build] = (await alice.sdk.Builds({ app: dockerApp })).builds.nodes;
    expect(build).toMatchObject({ kind: "DOCKERFILE", processTypes: [{ type: "web", command: "node /app/server.js" }] });
    expect(build.log).toContain("Dockerfile app detected");
    const registry = new RegistryClient(testEnv.registryUrl);
    const tag = `git-${build.sha!.slice(0, 7)}`;
    expect(build.image).toBe(`${registry.host}/${dockerApp}:${tag}`);
    expect(await registry.digest(dockerApp, tag)).toBe(build.digest);
  });

  test("a Node.js app without dependencies builds with the buildpack and serves npm start", async () => {
    const repo = gitRepo({
      "package.json": JSON.stringify({ name: "hello", version: "1.0.0", scripts: { start: "node server.js" } }),
      "server.js": SERVER.replace("process.env.KIND", '"node"'),
    });
    const push = await gitPush(repo, nodeRemote, key.privateKeyPath);
    expect(push.output).toContain("node app detected (buildpack)");
    expect(push.code).toBe(0);
    expect(JSON.parse((await get((await webAddress(nodeApp))!)).body)).toMatchObject({ kind: "node", release: "v2" });
    expect((await alice.sdk.Builds({ app: nodeApp })).builds.nodes[0]).toMatchObject({ kind: "BUILDPACK", processTypes: [{ type: "web", command: "npm start" }] });
  });

  test("a Node.js app with a lockfile and a real dependency installs it from the npm registry (trusting what the host trusts) and serves", async () => {
    const app = uniqueApp("push-npm");
    const remote = (await alice.sdk.CreateApp({ name: app })).createApp.gitRemote;
    const manifest = { name: "with-dep", version: "1.0.0", scripts: { start: "node server.js" }, dependencies: { "is-number": "7.0.0" } };
    const lock = {
      name: "with-dep",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": { name: "with-dep", version: "1.0.0", dependencies: { "is-number": "7.0.0" } },
        "node_modules/is-number": {
          version: "7.0.0",
          resolved: "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz",
          integrity: "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==",
          engines: { node: ">=0.12.0" },
        },
      },
    };
    const server = `const isNumber = require("is-number");\nrequire("http").createServer((q, s) => s.end(String(isNumber("42")))).listen(process.env.PORT);\n`;
    const push = await gitPush(
      gitRepo({ "package.json": JSON.stringify(manifest), "package-lock.json": JSON.stringify(lock), "server.js": server }),
      remote,
      key.privateKeyPath,
    );
    expect(push.output).toContain("added 1 package");
    expect(push.code).toBe(0);
    expect((await get((await webAddress(app))!)).body).toBe("true");
  }, 180_000);

  test("pushing a change makes the next release, which serves the change", async () => {
    commit(dockerRepo, { Dockerfile: DOCKERFILE.replace("KIND=dockerfile", "KIND=changed") }, "change");
    await alice.sdk.SetConfig({ app: dockerApp, values: [{ key: "GREETING", value: "hi" }] });
    const push = await gitPush(dockerRepo, dockerRemote, key.privateKeyPath);
    expect(push.code).toBe(0);
    expect(push.output).toContain(`done, ${dockerApp}:v4 deployed`);
    expect(JSON.parse((await get((await webAddress(dockerApp))!)).body)).toEqual({ kind: "changed", release: "v4", greeting: "hi" });
  });

  test("a broken Dockerfile fails the push with the reason; the previous release keeps serving", async () => {
    const repo = gitRepo({ Dockerfile: `FROM ${STACK_IMAGE}\nRUN exit 42\n` });
    const push = await gitPush(repo, dockerRemote, key.privateKeyPath, "+main");
    expect(push.code).not.toBe(0);
    expect(push.output).toMatch(/the build failed: .*returned a non-zero code: 42/);
    expect(push.output).toContain("pre-receive hook declined");
    expect(JSON.parse((await get((await webAddress(dockerApp))!)).body)).toMatchObject({ kind: "changed", release: "v4" });
    expect((await alice.sdk.Releases({ app: dockerApp, first: 1 })).releases.nodes[0].version).toBe(4);
  });

  test("a static site is served by busybox httpd; a Procfile alone runs its command", async () => {
    const site = uniqueApp("push-static");
    const remote = (await alice.sdk.CreateApp({ name: site })).createApp.gitRemote;
    const push = await gitPush(gitRepo({ "index.html": "<h1>static</h1>\n" }), remote, key.privateKeyPath);
    expect(push.output).toContain("static app detected (buildpack)");
    expect(push.code).toBe(0);
    expect((await get((await webAddress(site))!, "/index.html")).body).toBe("<h1>static</h1>\n");
    const procfile = uniqueApp("push-procfile");
    const procfileRemote = (await alice.sdk.CreateApp({ name: procfile })).createApp.gitRemote;
    const repo = gitRepo({ "index.txt": "procfile\n", Procfile: "web: httpd -f -p $PORT -h /app\n" });
    const pushed = await gitPush(repo, procfileRemote, key.privateKeyPath);
    expect(pushed.output).toContain("procfile app detected (buildpack)");
    expect((await get((await webAddress(procfile))!, "/index.txt")).body).toBe("procfile\n");
  });

  test("a push that removes the web type from the Procfile leaves only the worker type, unscaled", async () => {
    const app = uniqueApp("push-types");
    const remote = (await alice.sdk.CreateApp({ name: app })).createApp.gitRemote;
    const repo = gitRepo({ "index.txt": "x\n", Procfile: "web: httpd -f -p $PORT -h /app\nworker: sleep 3600\n" });
    expect((await gitPush(repo, remote, key.privateKeyPath)).code).toBe(0);
    expect((await alice.sdk.App({ name: app })).app.structure).toEqual([{ type: "web", count: 1 }, { type: "worker", count: 0 }]);
    commit(repo, { Procfile: "worker: sleep 3600\n" }, "no web");
    const push = await gitPush(repo, remote, key.privateKeyPath);
    expect(push.code).toBe(0);
    expect((await alice.sdk.App({ name: app })).app.structure).toEqual([{ type: "worker", count: 0 }]);
    expect((await alice.sdk.Processes({ app })).processes).toEqual([]);
  });

  test("a buildLogs subscriber that comes after the build started gets its lines so far, then the rest", async () => {
    const app = uniqueApp("push-late");
    const remote = (await alice.sdk.CreateApp({ name: app })).createApp.gitRemote;
    const push = await gitPush(gitRepo({ "index.txt": "late\n", Procfile: "web: httpd -f -p $PORT -h /app\n" }), remote, key.privateKeyPath);
    expect(push.code).toBe(0);
    // The whole build is over: everything it printed comes from the kept lines, in order.
    const lines: string[] = [];
    for await (const { buildLogs } of alice.sdk.BuildLogs({ app })) {
      lines.push(buildLogs.line);
      if (buildLogs.line.startsWith("done,")) break;
    }
    const printed = push.output.split("\n").filter((l) => l.startsWith("remote: ")).map((l) => l.replace(/^remote: /, "").trimEnd());
    expect(lines.map((l) => l.trimEnd())).toEqual(printed.slice(0, lines.length));
    expect(lines[0]).toContain(`Building ${app}`);
    expect(lines.at(-1)).toBe(`done, ${app}:v2 deployed`);
  });

  test("a tree with no Dockerfile and no buildpack is refused with what to add", async () => {
    const app = uniqueApp("push-nothing");
    const remote = (await alice.sdk.CreateApp({ name: app })).createApp.gitRemote;
    const push = await gitPush(gitRepo({ "README.md": "nothing to run\n" }), remote, key.privateKeyPath);
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("no buildpack detected: add a Dockerfile, a package.json (Node.js), an index.html (static site) or a Procfile");
    expect((await alice.sdk.Builds({ app })).builds.nodes).toEqual([]);
  });

  test("ssh with any command but git's is refused, as is a path outside the app", async () => {
    const port = t.platform.config.builderPort;
    for (const command of ["ls", "git-receive-pack '../../etc.git'", `git-receive-pack '${dockerApp}.git'; rm -rf /`, "git-receive-pack"]) {
      const result = await sshCommand(port, key.privateKeyPath, command);
      expect({ command, code: result.code }).toEqual({ command, code: 1 });
      expect(result.output).toContain("only git push is served here");
    }
  });
});
