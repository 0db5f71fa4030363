import { execFileSync } from "node:child_process";
import { join } from "node:path";
import WebSocket from "ws";
import { csrfTokenFor } from "../../src/dashboard";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

/** The browser's cookie session and the dashboard's headers, over plain HTTP and WebSocket (no browser). */
describe("the dashboard's cookie session", () => {
  let t: TestPlatform;
  let origin: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(__dirname, "..", "..", "web", "build.mjs")]);
    t = await startTestPlatform({ backend: "embedded" });
    origin = new URL(t.url).origin;
  });
  afterAll(() => t.stop());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${origin}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  /** Registers through /session/register and returns the session cookie and its CSRF token. */
  async function browserSession(username: string): Promise<{ cookie: string; csrf: string; token: string }> {
    const response = await post("/session/register", { username, password: "correct-horse-battery" });
    expect(response.status).toBe(200);
    const setCookie = response.headers.get("set-cookie") ?? "";
    const body = (await response.json()) as { csrf: string; user: { username: string } };
    expect(body.user.username).toBe(username);
    const token = /deis_session=([^;]+)/.exec(setCookie)![1];
    return { cookie: `deis_session=${token}`, csrf: body.csrf, token };
  }

  const graphql = (headers: Record<string, string>, query = "{ viewer { username } }") =>
    fetch(`${origin}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query }) });

  test("the page at / comes with a Content-Security-Policy of this origin only", async () => {
    const response = await fetch(`${origin}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<script type="module" src="/assets/app.js">');
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://${new URL(origin).host}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:\/\/(?!127)/);
    const script = await fetch(`${origin}/assets/app.js`);
    expect(script.headers.get("content-type")).toContain("text/javascript");
    expect((await fetch(`${origin}/assets/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${origin}/assets/.hidden.js`)).status).toBe(404);
  });

  test("signing in sets an httpOnly SameSite=Strict cookie; the token is never in the body", async () => {
    await browserSession("carol");
    const response = await post("/session", { username: "carol", password: "correct-horse-battery" });
    expect(response.status).toBe(200);
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^deis_session=dts_[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const text = await response.text();
    expect(text).not.toContain("dts_");
    // carol is the first account, so the admin.
    expect(JSON.parse(text)).toEqual({ user: { username: "carol", isAdmin: true }, csrf: expect.any(String) });
  });

  test("GraphQL with the cookie needs the CSRF token; with it, the cookie is a login", async () => {
    const { cookie, csrf } = await browserSession("dave");
    const without = await graphql({ cookie });
    expect(without.status).toBe(403);
    expect(((await without.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe("FORBIDDEN");
    const wrong = await graphql({ cookie, "x-csrf-token": csrfTokenFor("dts_someone-else") });
    expect(wrong.status).toBe(403);
    const crossSite = await graphql({ cookie, "x-csrf-token": csrf, origin: "http://evil.example" });
    expect(crossSite.status).toBe(403);
    const ok = await graphql({ cookie, "x-csrf-token": csrf, origin });
    expect(await ok.json()).toEqual({ data: { viewer: { username: "dave" } } });
  });

  test("a subscription socket with the cookie needs the CSRF token in its connection params", async () => {
    const { cookie, csrf } = await browserSession("erin");
    const wsUrl = t.url.replace(/^http/, "ws");
    const connect = (params: Record<string, unknown>) =>
      new Promise<{ type: string; code?: number }>((resolve) => {
        const socket = new WebSocket(wsUrl, "graphql-transport-ws", { headers: { cookie, origin } });
        socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: params })));
        socket.on("message", (data) => {
          resolve(JSON.parse(String(data)) as { type: string });
          socket.close();
        });
        socket.on("close", (code) => resolve({ type: "closed", code }));
      });
    expect(await connect({})).toEqual({ type: "closed", code: 4403 });
    expect(await connect({ csrf: "nope" })).toEqual({ type: "closed", code: 4403 });
    expect((await connect({ csrf })).type).toBe("connection_ack");
  });

  test("the session check answers a preloaded query in the same round trip; never a mutation, never without the cookie", async () => {
    const { cookie } = await browserSession("paula");
    const check = (query: string, variables?: unknown) =>
      fetch(`${origin}/session?${new URLSearchParams({ query, ...(variables === undefined ? {} : { variables: JSON.stringify(variables) }) })}`, { headers: { cookie } });
    const apps = "query Apps($first: Int) { apps(first: $first) { totalCount nodes { name } } }";
    const response = await check(apps, { first: 5 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { username: string }; csrf: string; preload: { data: { apps: { totalCount: number } } } };
    expect(body.user.username).toBe("paula");
    expect(body.csrf).toEqual(expect.any(String));
    expect(body.preload).toEqual({ data: { apps: { totalCount: 0, nodes: [] } } });
    // A GET changes nothing: a mutation is refused before it runs, naming the field and the rule.
    const mutation = await check('mutation { createApp(name: "from-a-get") { name } }');
    expect(mutation.status).toBe(400);
    expect(((await mutation.json()) as { errors: { extensions: { code: string; field: string } }[] }).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "query" });
    expect((await check("{ nonsense")).status).toBe(400);
    expect((await check(apps, [1])).status).toBe(400);
    const viewer = await fetch(`${origin}/graphql`, { method: "POST", headers: { "content-type": "application/json", cookie, "x-csrf-token": body.csrf }, body: JSON.stringify({ query: "{ apps { totalCount } }" }) });
    expect(((await viewer.json()) as { data: { apps: { totalCount: number } } }).data.apps.totalCount).toBe(0);
    // Without a session: 401 and no data.
    const anonymous = await fetch(`${origin}/session?${new URLSearchParams({ query: apps })}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).not.toHaveProperty("preload");
  });

  test("signing out revokes the session's token and clears the cookie", async () => {
    const { cookie, csrf, token } = await browserSession("frank");
    expect((await post("/session/logout", {}, { cookie })).status).toBe(403);
    const out = await post("/session/logout", {}, { cookie, "x-csrf-token": csrf });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toContain("deis_session=; Max-Age=0");
    const afterwards = await graphql({ authorization: `Bearer ${token}` });
    expect(((await afterwards.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect((await fetch(`${origin}/session`, { headers: { cookie } })).status).toBe(401);
  });

  test("bad input names the field and the rule and signs nobody in", async () => {
    const missing = await post("/session", { username: "carol" });
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as { errors: { extensions: { code: string; field: string; rule: string } }[] };
    expect(body.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "password", rule: "is required" });
    expect(missing.headers.get("set-cookie")).toBeNull();
    const badName = await post("/session/register", { username: "Not A Name!", password: "correct-horse-battery" });
    expect(((await badName.json()) as typeof body).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "username" });
    const wrong = await post("/session", { username: "carol", password: "wrong-password-here" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const form = await fetch(`${origin}/session`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "username=carol" });
    expect(form.status).toBe(415);
    const crossSite = await post("/session", { username: "carol", password: "correct-horse-battery" }, { origin: "http://evil.example" });
    expect(crossSite.status).toBe(403);
  });

  test("a bearer token still works beside the cookie (the CLI's way)", async () => {
    const { token } = await browserSession("gina");
    const response = await graphql({ authorization: `Bearer ${token}` });
    expect(await response.json()).toEqual({ data: { viewer: { username: "gina" } } });
  });
});
