import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

async function post(t: TestPlatform, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: response.status, body: (await response.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

describe("HTTP surface", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ env: { DEIS_LOGIN_MAX_ATTEMPTS: "3" } });
    await t.signUp("root");
  });
  afterAll(() => t.stop());

  test("/healthz answers ok, per component, while the database, the cache and discovery answer", async () => {
    const response = await fetch(t.url.replace("/graphql", "/healthz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", components: { database: "ok", cache: "ok", discovery: "ok" } });
  });

  test("the explorer page and every script it loads come from this server", async () => {
    const page = await fetch(t.url, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const source of sources) {
      expect(source.startsWith("/graphql/explorer/")).toBe(true);
      const asset = await fetch(new URL(source, t.url));
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  test("unknown paths are 404 and point at /graphql", async () => {
    const response = await fetch(t.url.replace("/graphql", "/nope"));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "not found: the API is at /graphql" });
  });

  test("a body that is not JSON gets 400 with a clear message", async () => {
    const { status, body } = await post(t, "{not json");
    expect(status).toBe(400);
    expect(body.errors?.[0].message).toBe("the request body is not JSON");
  });

  test("a body over 4 MiB gets 413", async () => {
    const { status, body } = await post(t, JSON.stringify({ query: "{ platform { domain } }", pad: "x".repeat(5 * 1024 * 1024) }));
    expect(status).toBe(413);
    expect(body.errors?.[0].message).toMatch(/over 4 MiB/);
  });

  test("a syntax error names the problem without internals", async () => {
    const { body } = await post(t, JSON.stringify({ query: "{ platform { " }));
    expect(body.errors?.[0].extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(JSON.stringify(body)).not.toMatch(/\s+at\s+\S+\.(ts|js):\d+/);
  });

  test("the explorer's introspection query passes; runaway introspection does not", async () => {
    const { getIntrospectionQuery } = await import("graphql");
    const ok = await post(t, JSON.stringify({ query: getIntrospectionQuery() }));
    expect(ok.body.errors).toBeUndefined();
    let selection = "name";
    for (let i = 0; i < 40; i++) selection = `ofType { ${selection} }`;
    const { body } = await post(t, JSON.stringify({ query: `{ __schema { queryType { fields { type { ${selection} } } } } }` }));
    expect(body.errors?.[0].message).toMatch(/introspection depth \d+ exceeds the limit of 32/);
  });

  test("queries costlier than the limit are refused", async () => {
    const { token } = await t.signUp("costly");
    const page = "apps(first: 100) { nodes { latestRelease { config { values { key value } limits { type memory cpu } } } } }";
    const query = `{ ${["a", "b", "c", "d", "e", "f"].map((alias) => `${alias}: ${page}`).join(" ")} }`;
    const { body } = await post(t, JSON.stringify({ query }), { authorization: `Bearer ${token}` });
    expect(body.errors?.[0].message).toMatch(/query cost \d+ exceeds the limit of 5000/);
    expect(body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  test("failed logins are rate-limited per username and address; the right password is refused too while limited", async () => {
    await t.signUp("victim", "the-right-password");
    const anonymous = t.client();
    for (let i = 0; i < 3; i++) {
      await expectApiError(anonymous.sdk.Login({ username: "victim", password: "wrong-password" }), "UNAUTHENTICATED");
    }
    const limited = await expectApiError(anonymous.sdk.Login({ username: "victim", password: "the-right-password" }), "TOO_MANY_REQUESTS");
    expect(limited.message).toMatch(/too many failed logins from your address; wait up to 300 seconds/);
  });

  test("attempts sent all at once cannot slip under the limit", async () => {
    await t.signUp("target", "the-right-password");
    const anonymous = t.client();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => anonymous.sdk.Login({ username: "target", password: "a-wrong-guess" })),
    );
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as { code: string }).code : "OK"));
    expect(codes.filter((c) => c === "UNAUTHENTICATED").length).toBeLessThanOrEqual(3);
    expect(codes.filter((c) => c === "TOO_MANY_REQUESTS").length).toBeGreaterThanOrEqual(9);
  });
});

describe("query depth", () => {
  test("operations deeper than DEIS_MAX_QUERY_DEPTH are refused before they run", async () => {
    const t = await startTestPlatform({ env: { DEIS_MAX_QUERY_DEPTH: "4" } });
    try {
      const { token } = await t.signUp("deep");
      const query = "{ apps { nodes { latestRelease { config { values { key } } } } } }";
      const { body } = await post(t, JSON.stringify({ query }), { authorization: `Bearer ${token}` });
      expect(body.errors?.[0]).toMatchObject({
        message: "query depth 6 exceeds the limit of 4",
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      });
    } finally {
      await t.stop();
    }
  });
});

describe("registration modes", () => {
  test("disabled: the first user may still register (and is admin), nobody after", async () => {
    const t = await startTestPlatform({ env: { DEIS_REGISTRATION_MODE: "disabled" } });
    try {
      const { client } = await t.signUp("first");
      expect((await client.sdk.Viewer()).viewer.isAdmin).toBe(true);
      const error = await expectApiError(t.signUp("second"), "FORBIDDEN");
      expect(error.message).toBe("registration is disabled on this platform");
      expect((await client.sdk.Users({})).users.totalCount).toBe(1);
    } finally {
      await t.stop();
    }
  });

  test("admin_only: only an admin's token may register users", async () => {
    const t = await startTestPlatform({ env: { DEIS_REGISTRATION_MODE: "admin_only" } });
    try {
      const { client: admin } = await t.signUp("boss");
      await expectApiError(t.signUp("walk-in"), "FORBIDDEN");
      const { register } = await admin.sdk.Register({ input: { username: "hired", password: "long-enough-1" } });
      expect(register.user).toMatchObject({ username: "hired", isAdmin: false });
      const hired = t.client(register.token);
      await expectApiError(hired.sdk.Register({ input: { username: "friend", password: "long-enough-2" } }), "FORBIDDEN");
    } finally {
      await t.stop();
    }
  });
});
