import { buildLogsTopic } from "../../src/core/topics";
import { STACK_IMAGE } from "../../src/modules/docker";
import type { DeisClient } from "../../src/sdk/client";
import { uniqueApp } from "../harness/apps";
import { commit, gitPush, gitRepo, sshKeygen } from "../harness/git";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

/** What the builder refuses: strangers' pushes, unknown keys, a second push while one runs. */
describe("git push refusals", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  let bob: DeisClient;
  const aliceKey = sshKeygen("alice@laptop");
  const bobKey = sshKeygen("bob@laptop");
  const app = uniqueApp("refuse");
  let remote: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    ({ client: alice } = await t.signUp("alice"));
    ({ client: bob } = await t.signUp("bob"));
    await alice.sdk.AddKey({ publicKey: aliceKey.publicKey });
    await bob.sdk.AddKey({ publicKey: bobKey.publicKey });
    remote = (await alice.sdk.CreateApp({ name: app })).createApp.gitRemote;
  });
  afterAll(() => t.stop());

  test("a push to an app you do not own or collaborate on is refused", async () => {
    const push = await gitPush(gitRepo({ "index.html": "bob's\n" }), remote, bobKey.privateKeyPath);
    expect(push.code).not.toBe(0);
    expect(push.output).toContain(`deis: app "${app}" not found`);
    expect((await alice.sdk.Builds({ app })).builds.nodes).toEqual([]);
  });

  test("a key the platform does not know is refused at the SSH handshake", async () => {
    const stranger = sshKeygen("nobody@nowhere");
    const push = await gitPush(gitRepo({ "index.html": "x\n" }), remote, stranger.privateKeyPath);
    expect(push.code).not.toBe(0);
    expect(push.output).toMatch(/Permission denied \(publickey\)/);
  });

  test("a second push to the same app while one builds is refused with why; the first completes", async () => {
    const slow = gitRepo({ Dockerfile: `FROM ${STACK_IMAGE}\nRUN sleep 4\nCOPY index.html /app/\nCMD ["httpd", "-f", "-p", "5000", "-h", "/app"]\n`, "index.html": "slow\n" });
    const building = await t.platform.cache.events.subscribe(buildLogsTopic(app));
    const first = gitPush(slow, remote, aliceKey.privateKeyPath);
    // The first push holds the app once its build prints.
    await building.next();
    await building.return?.();
    const other = gitRepo({ "index.html": "second\n" });
    const second = await gitPush(other, remote, aliceKey.privateKeyPath, "+main");
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(`deis: another push to ${app} is in progress; try again when it is done`);
    const done = await first;
    expect(done.output).toContain(`done, ${app}:v2 deployed`);
    expect(done.code).toBe(0);
    commit(slow, { "index.html": "after\n" }, "after");
    expect((await gitPush(slow, remote, aliceKey.privateKeyPath)).code).toBe(0);
  });
});
