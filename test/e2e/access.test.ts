import WebSocket from "ws";
import { appKey } from "../../src/modules/discovery";
import type { DeisClient } from "../../src/sdk/client";
import { type CliUser, registeredUser } from "../cli/cli-harness";
import { settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { type Answer, send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/**
 * Maintenance mode and access rules, answered by the platform's own router before the app; every
 * change reaches the running router through discovery (no restart), so each step polls the router
 * until its answer changes.
 */
describe.each(["node", "nginx"])("maintenance mode and access rules at the router (%s engine)", (engine) => {
  let t: TestPlatform;
  let alice: DeisClient;
  let cli: CliUser;
  const app = uniqueApp("access");
  const host = `${app}.localhost`;
  let port: number;

  /** The router's answer for the app once `accept` takes it (bounded by eventually's limit). */
  const answerFor = (what: string, accept: (answer: Answer) => boolean, headers: Record<string, string> = {}) =>
    eventually(what, async () => {
      const answer = await send(port, host, "/", { headers });
      return accept(answer) ? answer : undefined;
    });
  /** The status a websocket handshake to the app gets from the router (101 when it goes through). */
  const upgradeStatus = () =>
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host } });
      socket.once("open", () => {
        socket.close();
        resolve(101);
      });
      socket.once("unexpected-response", (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      socket.once("error", reject);
    });
  const releaseCount = async () => (await alice.sdk.Releases({ app })).releases.nodes.length;

  beforeAll(async () => {
    t = await startTestPlatform({ env: { DEIS_ROUTER_ENGINE: engine } });
    port = t.platform.router.port;
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    await settledRelease(alice, app, 2);
    await answerFor("the app to answer", (a) => a.status === 200);
    cli = await registeredUser(t.url, "carol");
    await alice.sdk.AddCollaborator({ app, username: "carol" });
  });
  afterAll(() => t.stop());

  test("maintenance on: 503 page with Retry-After, processes keep running and one-offs work, no release; off: 200", async () => {
    const releases = await releaseCount();
    const before = (await alice.sdk.Processes({ app })).processes.map((p) => p.name);
    const on = (await cli.ok(["maintenance:on", "-a", app, "--json"])).json();
    expect(on).toMatchObject({ name: app, maintenance: true });
    const page = await answerFor("the maintenance page", (a) => a.status === 503);
    expect(page.headers["retry-after"]).toMatch(/^\d+$/);
    expect(page.body).toContain("Down for maintenance");
    // Every host of the app: a custom domain too, and websockets.
    await alice.sdk.AddDomain({ app, domain: `${app}.example.com` });
    await eventually("the custom domain's maintenance page", async () => ((await send(port, `${app}.example.com`)).status === 503 ? true : undefined));
    expect(await upgradeStatus()).toBe(503);
    expect((await cli.ok(["maintenance", "-a", app, "--json"])).json()).toEqual({ app, maintenance: true });
    expect((await alice.sdk.Processes({ app })).processes.map((p) => p.name)).toEqual(before);
    const { run } = await alice.sdk.Run({ app, command: "echo still here" });
    expect(run).toMatchObject({ exitCode: 0, stdout: expect.stringContaining("still here") });
    await cli.ok(["maintenance:off", "-a", app]);
    await answerFor("the app again", (a) => a.status === 200);
    expect(await releaseCount()).toBe(releases);
    expect((await alice.sdk.AppAccess({ app })).app.maintenance).toBe(false);
  });

  test("an allow-list without 127.0.0.1 answers 403 (the TCP peer counts, not X-Forwarded-For); with it, 200", async () => {
    const set = (await cli.ok(["access:allow", "10.0.0.0/8", "2001:db8::/32", "-a", app, "--json"])).json();
    expect(set).toMatchObject({ name: app, allowList: ["10.0.0.0/8", "2001:db8::/32"] });
    const refused = await answerFor("403", (a) => a.status === 403);
    expect(refused.body).toContain("Forbidden");
    expect(await upgradeStatus()).toBe(403);
    expect((await send(port, host, "/", { headers: { "x-forwarded-for": "10.1.2.3" } })).status).toBe(403);
    await cli.ok(["access:allow", "127.0.0.0/8", "::1/128", "-a", app]);
    await answerFor("200 from 127.0.0.1", (a) => a.status === 200);
    expect((await cli.ok(["access", "-a", app, "--json"])).json()).toEqual({
      name: app, maintenance: false, allowList: ["127.0.0.0/8", "::1/128"], basicAuthUsername: null,
    });
    await cli.ok(["access:clear", "-a", app]);
    expect((await alice.sdk.AppAccess({ app })).app.allowList).toEqual([]);
  });

  test("basic auth: 401 with WWW-Authenticate, 200 with the right credentials, 401 with wrong ones; stored hashed", async () => {
    const password = "open sesame: 42";
    await cli.ok(["auth:basic", "guest", "-a", app, "--password-stdin"], { stdin: `${password}\n` });
    const challenge = await answerFor("401", (a) => a.status === 401);
    expect(challenge.headers["www-authenticate"]).toBe(`Basic realm="${app}", charset="UTF-8"`);
    expect((await send(port, host, "/", { headers: { authorization: basic("guest", password) } })).status).toBe(200);
    expect((await send(port, host, "/", { headers: { authorization: basic("guest", "wrong") } })).status).toBe(401);
    expect((await send(port, host, "/", { headers: { authorization: basic("admin", password) } })).status).toBe(401);
    // Neither the database nor discovery holds the password.
    const [{ basicAuthHash }] = await t.platform.dataSource.query(`SELECT "basicAuthHash" FROM apps WHERE name = $1`, [app]);
    expect(basicAuthHash).toMatch(/^scrypt\$/);
    expect(basicAuthHash).not.toContain(password);
    const published = (await t.platform.discovery.get(appKey(app)))!;
    expect(published).not.toContain(password);
    expect(JSON.parse(published)).toMatchObject({ basicAuth: { username: "guest", passwordHash: basicAuthHash } });
    await cli.ok(["auth:basic:off", "-a", app]);
    await answerFor("200 without credentials", (a) => a.status === 200);
  });

  test("bad input: a bad CIDR, an empty password, a username with ':' name the field and change nothing", async () => {
    await alice.sdk.SetAllowList({ app, cidrs: ["127.0.0.1/32"] });
    const releases = await releaseCount();
    const cidr = await expectApiError(alice.sdk.SetAllowList({ app, cidrs: ["10.0.0.0/8", "10.0.0.0/33"] }), "BAD_USER_INPUT", "cidrs");
    expect(cidr.message).toContain("10.0.0.0/33");
    await expectApiError(alice.sdk.SetAllowList({ app, cidrs: ["shop.example.com"] }), "BAD_USER_INPUT", "cidrs");
    await expectApiError(alice.sdk.SetBasicAuth({ app, username: "guest", password: "" }), "BAD_USER_INPUT", "password");
    const colon = await expectApiError(alice.sdk.SetBasicAuth({ app, username: "a:b", password: "pw" }), "BAD_USER_INPUT", "username");
    expect(colon.message).toContain("':'");
    expect((await alice.sdk.AppAccess({ app })).app).toMatchObject({ allowList: ["127.0.0.1/32"], basicAuthUsername: null });
    expect(await releaseCount()).toBe(releases);
    const refused = await cli.run(["access:allow", "300.1.1.1", "-a", app]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("cidrs");
    await alice.sdk.SetAllowList({ app, cidrs: [] });
  });

  test("a name that is no app answers 404 (a destroyed app's, a renamed app's old one, one never created); an app with no processes 503", async () => {
    const gone = uniqueApp("gone");
    await alice.sdk.CreateApp({ name: gone });
    const empty = await eventually("503 for an app with no processes", async () => {
      const answer = await send(port, `${gone}.localhost`);
      return answer.status === 503 ? answer : undefined;
    });
    expect(empty.body).toContain("no running processes");
    await alice.sdk.DestroyApp({ name: gone });
    const notFound = await eventually("404 once destroyed", async () => {
      const answer = await send(port, `${gone}.localhost`);
      return answer.status === 404 ? answer : undefined;
    });
    expect(notFound.body).toContain("No such app");
    expect((await send(port, `never-an-app-${gone}.localhost`)).status).toBe(404);
    // Renamed: the old name is no app any more, the new one is.
    const before = uniqueApp("before");
    const after = uniqueApp("after");
    await alice.sdk.CreateApp({ name: before });
    await eventually("503 under the first name", async () => ((await send(port, `${before}.localhost`)).status === 503 ? true : undefined));
    await alice.sdk.RenameApp({ app: before, name: after });
    await eventually("404 under the old name", async () => ((await send(port, `${before}.localhost`)).status === 404 ? true : undefined));
    await eventually("503 under the new name", async () => ((await send(port, `${after}.localhost`)).status === 503 ? true : undefined));
  });
});
