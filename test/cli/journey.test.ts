import { execFileSync } from "node:child_process";
import { appLogBatchesTopic } from "../../src/core/topics";
import { gitPush, gitRepo, sshKeygen } from "../harness/git";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";
import { CliUser } from "./cli-harness";

const SERVER = `require("http").createServer((req, res) => {
  console.log(req.method + " " + req.url);
  res.end((process.env.GREETING || "no greeting") + " from " + process.env.DEIS_RELEASE);
}).listen(process.env.PORT);
`;

/**
 * A newcomer in a fresh directory with a new SSH key, from registering to destroying the app, with
 * nothing but the deis CLI, git and HTTP requests through the router.
 */
describe("a newcomer's first app with the deis CLI", () => {
  let t: TestPlatform;

  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => {
    await t.platform.services.deploys.settled();
    await t.stop();
  });

  test("register, keys:add, create, git push, config:set, ps:scale, logs -f, rollback, domains:add, apps:destroy", async () => {
    const me = new CliUser();
    const key = sshKeygen("newcomer@laptop");
    const get = (host: string, path = "/") => send(t.platform.router.port, host, path);
    const serves = (host: string, body: string) =>
      eventually(`${host} to answer "${body}"`, async () => {
        const answer = await get(host);
        return answer.status === 200 && answer.body === body ? answer : undefined;
      }, 60_000);

    expect((await me.ok(["register", t.url, "--username", "newcomer", "--password", "a-long-password"])).stdout).toContain("Logged in as newcomer");
    expect((await me.ok(["keys:add", `${key.privateKeyPath}.pub`])).stdout).toMatch(/^Added key newcomer@laptop \(SHA256:/);

    const repo = gitRepo({
      "package.json": JSON.stringify({ name: "hello", version: "1.0.0", scripts: { start: "node server.js" } }),
      "server.js": SERVER,
    });
    const created = await me.ok(["create"], { cwd: repo });
    const app = /^Created (\S+)\n/.exec(created.stdout)![1];
    const host = `${app}.localhost`;
    const remote = execFileSync("git", ["remote", "get-url", "deis"], { cwd: repo, encoding: "utf8" }).trim();
    expect(created.stdout).toBe(`Created ${app}\nURL:        http://${app}.localhost:${t.platform.router.port}\nGit remote: ${remote}\nGit remote deis added\n`);

    const push = await gitPush(repo, "deis", key.privateKeyPath);
    expect(push.output).toContain(`${app}:v2 deployed`);
    // Progress while the release deploys: the new process is reported once it runs.
    const releasing = push.output.indexOf("-----> Releasing v2 and deploying...");
    const running = push.output.indexOf("       web.1 v2 running");
    expect(releasing).toBeGreaterThan(0);
    expect(running).toBeGreaterThan(releasing);
    expect(push.output.indexOf(`done, ${app}:v2 deployed`)).toBeGreaterThan(running);
    expect(push.code).toBe(0);
    await serves(host, "no greeting from v2");

    const set = await me.ok(["config:set", "GREETING=hi"], { cwd: repo });
    expect(set.stderr).toMatch(new RegExp(`^Deploying ${app} v3\\.\\.\\.(\\n(  .+\\n)+Deploying ${app} v3\\.\\.\\.)? done\\n$`));
    expect(set.stdout).toBe(`${app} v3: newcomer added GREETING\n`);
    await serves(host, "hi from v3");

    expect((await me.ok(["ps:scale", "web=2"], { cwd: repo })).stdout).toMatch(/\nweb\.1 +running +v3 .+\nweb\.2 +running +v3 /);

    // logs -f: the recent lines, then live ones, until the signal stops it.
    const stop = new AbortController();
    const topic = appLogBatchesTopic(app);
    const before = t.subscribers(topic);
    let seen = "";
    const following = me.run(["logs", "-f", "-n", "500"], { cwd: repo, signal: stop.signal, onStdout: (soFar) => (seen = soFar) });
    await eventually("logs -f to be subscribed", async () => (t.subscribers(topic) > before ? true : undefined));
    await eventually("the recent lines", async () => (/Z deis\[api\]: newcomer scaled web=2\n/.test(seen) ? true : undefined));
    expect(seen).toMatch(/^\S+Z deis\[api\]: newcomer created /);
    await get(host, "/from-the-journey");
    await eventually("the request's lines in logs -f", async () =>
      /\[web\.\d\]: GET \/from-the-journey\n/.test(seen) && /\[router\]: GET \/from-the-journey 200/.test(seen) ? true : undefined,
    );
    stop.abort();
    const followed = await following;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${app}\\[web\\.\\d\\]: GET /from-the-journey$`, "m"));

    const rolled = await me.ok(["rollback"], { cwd: repo });
    expect(rolled.stdout).toBe(`${app} v4: newcomer rolled back to v2\n`);
    await serves(host, "no greeting from v4");

    const domain = `shop-${Math.random().toString(36).slice(2, 8)}.example.com`;
    expect((await me.ok(["domains:add", domain], { cwd: repo })).stdout).toBe(`Added ${domain} to ${app}\n`);
    await serves(domain, "no greeting from v4");

    expect((await me.ok(["apps:destroy", "--confirm", app], { cwd: repo })).stdout).toBe(`Destroyed ${app} and removed the git remote deis\n`);
    await eventually(`${host} to stop serving`, async () => ((await get(host)).status !== 200 ? true : undefined));
    expect((await me.ok(["apps"])).stdout).toBe("You have no apps; create one with deis create.\n");
  }, 300_000);
});
