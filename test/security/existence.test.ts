import type { DeisClient, DeisSdk } from "../../src/sdk/client";
import { DeisApiError } from "../../src/sdk/client";
import { uniqueApp } from "../harness/apps";
import { expectApiError } from "../harness/expect-error";
import { gitPush, gitRepo, sshCommand, sshKeygen } from "../harness/git";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

/**
 * An app you may not see answers exactly as an app that does not exist: same code, same message
 * (the name aside), in the API, its subscriptions and git over SSH. Who can see the app but lacks
 * the role (a collaborator destroying it) still gets FORBIDDEN.
 */
describe("another user's app is indistinguishable from no app", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  let bob: DeisClient;
  const bobKey = sshKeygen("bob@laptop");
  const secret = uniqueApp("secret");
  const ghost = uniqueApp("ghost");
  let remote: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    ({ client: alice } = await t.signUp("alice"));
    ({ client: bob } = await t.signUp("bob"));
    await bob.sdk.AddKey({ publicKey: bobKey.publicKey });
    remote = (await alice.sdk.CreateApp({ name: secret })).createApp.gitRemote;
    await alice.sdk.SetConfig({ app: secret, values: [{ key: "TOKEN", value: "alice-only" }] });
  });
  afterAll(() => t.stop());

  /** What a refused call answered, with the app's name taken out. */
  async function refusal(call: Promise<unknown>, name: string): Promise<{ code: string; message: string }> {
    try {
      await call;
    } catch (error) {
      if (!(error instanceof DeisApiError)) throw error;
      return { code: error.code, message: error.message.split(name).join("<app>") };
    }
    throw new Error(`the call on ${name} succeeded`);
  }

  const firstOf = <T>(stream: AsyncIterable<T>) => stream[Symbol.asyncIterator]().next();

  const operations: [string, (sdk: DeisSdk, app: string) => Promise<unknown>][] = [
    ["App", (sdk, app) => sdk.App({ name: app })],
    ["Releases", (sdk, app) => sdk.Releases({ app })],
    ["Config", (sdk, app) => sdk.Config({ app })],
    ["Logs", (sdk, app) => sdk.Logs({ app })],
    ["LogTail subscription", (sdk, app) => firstOf(sdk.LogTail({ app }))],
    ["AppEvents subscription", (sdk, app) => firstOf(sdk.AppEvents({ app }))],
    ["SetConfig", (sdk, app) => sdk.SetConfig({ app, values: [{ key: "TOKEN", value: "bob-was-here" }] })],
    ["AddDomain", (sdk, app) => sdk.AddDomain({ app, domain: `${app}.example.net` })],
    ["TransferApp", (sdk, app) => sdk.TransferApp({ name: app, to: "bob" })],
    ["DestroyApp", (sdk, app) => sdk.DestroyApp({ name: app })],
  ];

  test.each(operations)("%s: bob gets for alice's app exactly what he gets for a missing one", async (_name, call) => {
    const missing = await refusal(call(bob.sdk, ghost), ghost);
    const hidden = await refusal(call(bob.sdk, secret), secret);
    expect(missing).toEqual({ code: "NOT_FOUND", message: 'app "<app>" not found' });
    expect(hidden).toEqual(missing);
  });

  test("git over SSH: push and clone refuse alice's app with the text a missing app gets", async () => {
    for (const service of ["git-receive-pack", "git-upload-pack"]) {
      const missing = await sshCommand(t.platform.builder.port, bobKey.privateKeyPath, `${service} '${ghost}.git'`);
      const hidden = await sshCommand(t.platform.builder.port, bobKey.privateKeyPath, `${service} '${secret}.git'`);
      expect(missing.code).not.toBe(0);
      expect(missing.output).toBe(`deis: app "${ghost}" not found\n`);
      expect({ code: hidden.code, output: hidden.output.split(secret).join(ghost) }).toEqual(missing);
    }
    const push = await gitPush(gitRepo({ "index.html": "bob's\n" }), remote, bobKey.privateKeyPath);
    expect(push.code).not.toBe(0);
    expect(push.output).toContain(`deis: app "${secret}" not found`);
  });

  test("alice's app is untouched by all of it", async () => {
    const { app } = await alice.sdk.App({ name: secret });
    expect(app.owner.username).toBe("alice");
    expect((await alice.sdk.Config({ app: secret })).config.values).toEqual([{ key: "TOKEN", value: "alice-only" }]);
    expect((await alice.sdk.Domains({ app: secret })).domains.nodes).toEqual([]);
    expect((await alice.sdk.Builds({ app: secret })).builds.nodes).toEqual([]);
  });

  test("a collaborator sees the app, so what needs the owner is FORBIDDEN, not NOT_FOUND", async () => {
    await alice.sdk.AddCollaborator({ app: secret, username: "bob" });
    const error = await expectApiError(bob.sdk.DestroyApp({ name: secret }), "FORBIDDEN");
    expect(error.message).toBe(`only the owner of ${secret} (or an admin) may do this`);
    await alice.sdk.RemoveCollaborator({ app: secret, username: "bob" });
    await expectApiError(bob.sdk.DestroyApp({ name: secret }), "NOT_FOUND");
  });
});
