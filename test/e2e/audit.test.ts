import { systemContext } from "../../src/core/context";
import type { DeisClient } from "../../src/sdk/client";
import { uniqueApp } from "../harness/apps";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

/**
 * Issue 14, audit trail: every mutation is recorded with who, what, from where and how it ended;
 * secrets (config values, passwords, tokens, keys) never reach it; an app's trail is for its owner,
 * collaborators and admins, the platform's for admins.
 */
describe("audit trail (postgres)", () => {
  let t: TestPlatform;
  let root: DeisClient;
  let alice: DeisClient;
  let bob: DeisClient;
  let carol: DeisClient;
  const app = uniqueApp("audited");
  const SECRET_VALUE = "s3cr3t-value-never-in-the-audit";
  const PASSWORD = "correct-horse-battery";
  const WRONG_PASSWORD = "not-the-password-either";

  beforeAll(async () => {
    t = await startTestPlatform();
    ({ client: root } = await t.signUp("root")); // the first account is the admin
    ({ client: alice } = await t.signUp("alice", PASSWORD));
    ({ client: bob } = await t.signUp("bob"));
    ({ client: carol } = await t.signUp("carol"));
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.AddCollaborator({ app, username: "carol" });
    await alice.sdk.SetConfig({ app, values: [{ key: "GONE", value: "soon" }] });
    await alice.sdk.SetConfig({ app, values: [{ key: "DATABASE_PASSWORD", value: SECRET_VALUE }, { key: "GONE", value: null }] });
    await expectApiError(alice.sdk.SetConfig({ app, values: [{ key: "1BAD", value: SECRET_VALUE }] }), "BAD_USER_INPUT", "values[0].key");
    await expectApiError(t.client().sdk.Login({ username: "alice", password: WRONG_PASSWORD }), "UNAUTHENTICATED");
    await t.client().sdk.Login({ username: "alice", password: PASSWORD });
  });
  afterAll(() => t.stop());

  const appTrail = async (client: DeisClient) => (await client.sdk.Audit({ app, first: 100 })).audit.nodes;

  test("a config change is listed with its keys, who made it and from where, and without its value", async () => {
    const events = await appTrail(alice);
    const change = events.find((e) => e.operation === "setConfig" && e.outcome === "ok" && e.summary.includes("DATABASE_PASSWORD"));
    expect(change).toMatchObject({ username: "alice", app, summary: "setConfig set=[DATABASE_PASSWORD] unset=[GONE]" });
    expect(change?.address).toBe("127.0.0.1");
    expect(JSON.stringify(events)).not.toContain(SECRET_VALUE);
  });

  test("a failed mutation is listed with the error code the caller got", async () => {
    const failed = (await appTrail(alice)).find((e) => e.operation === "setConfig" && e.outcome !== "ok");
    expect(failed).toMatchObject({ username: "alice", outcome: "BAD_USER_INPUT", summary: "setConfig set=[1BAD]" });
  });

  test("the app's trail, newest first, holds its creation and the collaborator added", async () => {
    const operations = (await appTrail(alice)).map((e) => `${e.operation}:${e.outcome}`);
    expect(operations).toEqual(["setConfig:BAD_USER_INPUT", "setConfig:ok", "setConfig:ok", "addCollaborator:ok", "createApp:ok"]);
  });

  test("a collaborator reads the app's trail; another user gets NOT_FOUND, as for an app that does not exist", async () => {
    expect((await appTrail(carol)).length).toBe(5);
    const error = await expectApiError(bob.sdk.Audit({ app }), "NOT_FOUND");
    expect(error.message).toBe(`app "${app}" not found`);
  });

  test("the platform-wide trail is for admins only", async () => {
    await expectApiError(alice.sdk.Audit({}), "FORBIDDEN");
    await expectApiError(t.client().sdk.Audit({}), "UNAUTHENTICATED");
  });

  test("an admin sees the platform-wide trail: sign-ups, failed sign-ins, every app, and no password anywhere", async () => {
    const events = (await root.sdk.Audit({ first: 100 })).audit.nodes;
    const aliceId = (await alice.sdk.Viewer()).viewer.id;
    expect(events.find((e) => e.operation === "login" && e.outcome === "UNAUTHENTICATED")).toMatchObject({ username: "alice", userId: null, app: null });
    expect(events.find((e) => e.operation === "login" && e.outcome === "ok")).toMatchObject({ username: "alice", userId: aliceId });
    expect(events.find((e) => e.operation === "setConfig")).toMatchObject({ username: "alice", userId: aliceId });
    expect(events.filter((e) => e.operation === "register").map((e) => e.username).sort()).toEqual(["alice", "bob", "carol", "root"]);
    expect(events.some((e) => e.app === app && e.operation === "createApp")).toBe(true);
    const text = JSON.stringify(events);
    for (const secret of [SECRET_VALUE, PASSWORD, WRONG_PASSWORD]) expect(text).not.toContain(secret);
  });

  test("pages follow each other without gaps or repeats", async () => {
    const first = (await alice.sdk.Audit({ app, first: 3 })).audit; // of 5
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await alice.sdk.Audit({ app, first: 3, after: first.pageInfo.endCursor })).audit;
    expect([...first.nodes, ...second.nodes].map((e) => e.id)).toEqual((await appTrail(alice)).map((e) => e.id));
    await expectApiError(alice.sdk.Audit({ app, first: 0 }), "BAD_USER_INPUT", "first");
  });

  test("a new app with a destroyed app's name does not show the old app's trail", async () => {
    const reused = uniqueApp("reused");
    await bob.sdk.CreateApp({ name: reused });
    await bob.sdk.SetConfig({ app: reused, values: [{ key: "OLD", value: "1" }] });
    await bob.sdk.DestroyApp({ name: reused });
    await carol.sdk.CreateApp({ name: reused });
    expect((await carol.sdk.Audit({ app: reused })).audit.nodes.map((e) => `${e.username}:${e.operation}`)).toEqual(["carol:createApp"]);
    const platform = (await root.sdk.Audit({ first: 100 })).audit.nodes;
    expect(platform.find((e) => e.app === reused && e.operation === "destroyApp")).toMatchObject({ username: "bob", outcome: "ok" });
  });

  test("a mutation refused for a NUL character is recorded too (without the NUL, which PostgreSQL cannot store)", async () => {
    const own = uniqueApp("nul");
    await bob.sdk.CreateApp({ name: own });
    await expectApiError(bob.sdk.AddDomain({ app: own, domain: "a\u0000b.example.com" }), "BAD_USER_INPUT", "domain");
    const [refused] = (await bob.sdk.Audit({ app: own })).audit.nodes;
    expect(refused).toMatchObject({ username: "bob", operation: "addDomain", outcome: "BAD_USER_INPUT", summary: "addDomain domain=ab.example.com" });
  });

  test("records older than DEIS_AUDIT_RETENTION_DAYS (90 by default) are pruned, newer ones kept", async () => {
    await t.platform.dataSource.query(
      `INSERT INTO audit_events ("at", "operation", "summary", "outcome") VALUES (now() - interval '91 days', 'old', 'old', 'ok'), (now() - interval '89 days', 'kept', 'kept', 'ok')`,
    );
    expect(await t.platform.services.audit.prune(systemContext(t.platform.log))).toBe(1);
    const left: { operation: string }[] = await t.platform.dataSource.query(`SELECT operation FROM audit_events WHERE operation IN ('old', 'kept')`);
    expect(left).toEqual([{ operation: "kept" }]);
  });
});
