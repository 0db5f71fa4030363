import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/core/logger";
import { type DiscoveryStore, certKey, domainKey, platformKey } from "../../src/modules/discovery";
import { type RequestLogEntry, type RunningRouter, formatRequestLine, startRouter } from "../../src/modules/proxy";
import { PLATFORM_DOMAIN, TestBackend, clientAgent, echoOf, engineOptions, enginesAndStores, httpsGet, send, uniqueApp, until } from "./router-helpers";

/** A self-signed certificate for `names` made with the openssl CLI. */
function selfSigned(dir: string, names: string[]): { certificate: string; key: string } {
  const [keyFile, certFile] = [join(dir, `${names[0]}.key`), join(dir, `${names[0]}.crt`)];
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
    "-subj", `/CN=${names[0]}`,
    "-addext", `subjectAltName=${names.map((name) => `DNS:${name}`).join(",")}`,
    "-keyout", keyFile, "-out", certFile,
  ], { stdio: "ignore" });
  return { certificate: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

describe.each(enginesAndStores)("router (%s engine) on %s discovery", (engine, _name, open) => {
  let discovery: DiscoveryStore;
  let router: RunningRouter;
  const entries: RequestLogEntry[] = [];
  const backends: TestBackend[] = [];
  const backend = async (name: string) => {
    const started = await TestBackend.start(name);
    backends.push(started);
    return started;
  };
  /** Waits until the router's table holds `condition`, then until its data plane serves it. */
  const seen = async (condition: () => boolean, what?: string) => {
    await until(condition, what);
    await router.settled();
  };
  const routed = (host: string, count: number) =>
    seen(() => (router.table.resolve(host)?.backends.length ?? -1) === count, `${host} with ${count} backends`);

  beforeAll(async () => {
    discovery = open();
    await discovery.put(platformKey("domain"), PLATFORM_DOMAIN);
    router = await startRouter({
      discovery,
      host: "127.0.0.1",
      port: 0,
      httpsPort: 0,
      log: createLogger("info"),
      onRequest: (entry) => entries.push(entry),
      ...engineOptions(engine),
    });
  });

  afterAll(async () => {
    await router.close();
    await discovery.close();
    for (const started of backends) await started.stop();
    clientAgent.destroy();
  });

  test("routes by Host header to each app's backends", async () => {
    const [shop, blog] = [uniqueApp("shop"), uniqueApp("blog")];
    await (await backend("shop-web-1")).publish(discovery, shop);
    await (await backend("blog-web-1")).publish(discovery, blog);
    await routed(`${shop}.${PLATFORM_DOMAIN}`, 1);
    await routed(`${blog}.${PLATFORM_DOMAIN}`, 1);

    expect(echoOf(await send(router.port, `${shop}.${PLATFORM_DOMAIN}`, "/cart?x=1"))).toMatchObject({
      backend: "shop-web-1",
      url: "/cart?x=1",
    });
    expect(echoOf(await send(router.port, `${blog}.${PLATFORM_DOMAIN}`)).backend).toBe("blog-web-1");
    // Case and port do not matter; a trailing dot neither.
    expect(echoOf(await send(router.port, `${shop.toUpperCase()}.APPS.TEST:${router.port}`)).backend).toBe("shop-web-1");
    expect(echoOf(await send(router.port, `${blog}.${PLATFORM_DOMAIN}.`)).backend).toBe("blog-web-1");
    const posted = echoOf(await send(router.port, `${shop}.${PLATFORM_DOMAIN}`, "/orders", { method: "POST", body: "qty=2" }));
    expect(posted).toMatchObject({ method: "POST", body: "qty=2" });
  });

  test("custom domains, exact and wildcard (one label), route to their app", async () => {
    const [shop, wild] = [uniqueApp("shop"), uniqueApp("wild")];
    const zone = `${uniqueApp("z")}.example.com`;
    await (await backend("custom-shop")).publish(discovery, shop);
    await (await backend("custom-wild")).publish(discovery, wild);
    await discovery.put(domainKey(`shop.${zone}`), shop);
    await discovery.put(domainKey(`*.${zone}`), wild);
    await seen(() => router.table.resolve(`a.${zone}`)?.name === wild && router.table.resolve(`shop.${zone}`)?.name === shop);

    expect(echoOf(await send(router.port, `shop.${zone}`)).backend).toBe("custom-shop");
    expect(echoOf(await send(router.port, `anything.${zone}`)).backend).toBe("custom-wild");
    expect((await send(router.port, `a.b.${zone}`)).status).toBe(404);
    expect((await send(router.port, zone)).status).toBe(404);

    await discovery.delete(domainKey(`*.${zone}`));
    await seen(() => router.table.resolve(`a.${zone}`) === null);
    expect((await send(router.port, `anything.${zone}`)).status).toBe(404);
  });

  test("round robin across three backends", async () => {
    const app = uniqueApp("rr");
    for (const n of [1, 2, 3]) await (await backend(`rr-web-${n}`)).publish(discovery, app, `${app}.v1.web.${n}`);
    await routed(`${app}.${PLATFORM_DOMAIN}`, 3);
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) seen.push(echoOf(await send(router.port, `${app}.${PLATFORM_DOMAIN}`)).backend);
    expect(new Set(seen.slice(0, 3)).size).toBe(3);
    expect(seen.slice(3, 6)).toEqual(seen.slice(0, 3));
    expect(seen.slice(6, 9)).toEqual(seen.slice(0, 3));
  });

  test("503 with a small page for an app with no backends; 404 for an unknown host", async () => {
    const empty = uniqueApp("empty");
    const noBackends = await send(router.port, `${empty}.${PLATFORM_DOMAIN}`);
    expect(noBackends.status).toBe(503);
    expect(noBackends.headers["content-type"]).toMatch(/text\/html/);
    expect(noBackends.body).toContain("App not available");
    expect(noBackends.body.length).toBeLessThan(1024);

    const parked = `${uniqueApp("parked")}.example.net`;
    await discovery.put(domainKey(parked), empty);
    await seen(() => router.table.resolve(parked)?.name === empty);
    expect((await send(router.port, parked)).status).toBe(503);

    const unknown = await send(router.port, "nowhere.invalid");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain("No such app");
    expect((await send(router.port, `deep.${empty}.${PLATFORM_DOMAIN}`)).status).toBe(404);
    expect((await send(router.port, `router.${PLATFORM_DOMAIN}`)).status).toBe(404); // reserved name
  });

  test("/healthz answers 200 JSON unless the Host is an app's, whose own /healthz it reaches", async () => {
    const health = await send(router.port, `127.0.0.1:${router.port}`, "/healthz");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });
    expect((await send(router.port, "nowhere.invalid", "/healthz")).status).toBe(200);

    const app = uniqueApp("health");
    await (await backend("health-web")).publish(discovery, app);
    await routed(`${app}.${PLATFORM_DOMAIN}`, 1);
    expect(echoOf(await send(router.port, `${app}.${PLATFORM_DOMAIN}`, "/healthz")).url).toBe("/healthz");
  });

  test("X-Forwarded-For/Proto/Port/Host and X-Request-Id, generated or kept", async () => {
    const app = uniqueApp("hdr");
    await (await backend("hdr-web")).publish(discovery, app);
    const host = `${app}.${PLATFORM_DOMAIN}`;
    await routed(host, 1);

    const plain = echoOf(await send(router.port, host, "/", { headers: { connection: "keep-alive", "x-forwarded-proto": "https" } }));
    expect(plain.headers).toMatchObject({
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-proto": "http",
      "x-forwarded-port": String(router.port),
      "x-forwarded-host": host,
      host,
    });
    expect(plain.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);

    const chained = echoOf(
      await send(router.port, host, "/", { headers: { "x-forwarded-for": "203.0.113.7", "x-request-id": "req-abc-123" } }),
    );
    expect(chained.headers["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
    expect(chained.headers["x-request-id"]).toBe("req-abc-123");
    const another = echoOf(await send(router.port, host));
    expect(another.headers["x-request-id"]).not.toBe(plain.headers["x-request-id"]);
  });

  test("the request log gets one entry per request, formatted as <app>[router]: GET /path 200 3ms", async () => {
    const app = uniqueApp("logged");
    await (await backend("logged-web")).publish(discovery, app);
    const host = `${app}.${PLATFORM_DOMAIN}`;
    await routed(host, 1);
    const before = entries.length;
    await send(router.port, host, "/one?page=2");
    await send(router.port, host, "/two", { method: "POST", body: "x" });
    await send(router.port, "nowhere.invalid", "/not-an-app");
    await until(() => entries.filter((entry) => entry.app === app).length === 2, "two log entries");
    const mine = entries.slice(before).filter((entry) => entry.app === app);
    expect(mine.map(({ method, path, status, host: h, backend: b }) => ({ method, path, status, host: h, backend: b }))).toEqual([
      { method: "GET", path: "/one?page=2", status: 200, host, backend: backends.at(-1)?.address },
      { method: "POST", path: "/two", status: 200, host, backend: backends.at(-1)?.address },
    ]);
    for (const entry of mine) {
      expect(Number.isFinite(entry.durationMs) && entry.durationMs >= 0).toBe(true);
      expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(entries.slice(before).some((entry) => entry.path === "/not-an-app")).toBe(false);
    expect(formatRequestLine({ ...mine[0], durationMs: 3.2 })).toBe(`${app}[router]: GET /one?page=2 200 3ms`);
  });

  test("HTTPS with SNI picks the certificate from /deis/certs, exact or wildcard, and follows changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "router-certs-"));
    try {
      const app = uniqueApp("tls");
      await (await backend("tls-web")).publish(discovery, app);
      const zone = `${uniqueApp("z")}.example.org`;
      const exact = selfSigned(dir, [`secure.${zone}`]);
      const wildcard = selfSigned(dir, [`*.${zone}`]);
      await discovery.put(domainKey(`secure.${zone}`), app);
      await discovery.put(domainKey(`*.${zone}`), app);
      await discovery.put(certKey(`secure.${zone}`), JSON.stringify(exact));
      await discovery.put(certKey(`*.${zone}`), JSON.stringify(wildcard));
      await seen(() => router.table.certificateFor(`other.${zone}`) !== null && router.table.resolve(`secure.${zone}`) !== null);
      await seen(() => (router.table.resolve(`secure.${zone}`)?.backends.length ?? 0) === 1);

      const secure = await httpsGet(router.httpsPort!, { servername: `secure.${zone}`, host: `secure.${zone}`, path: "/secure", ca: exact.certificate });
      expect(secure).toMatchObject({ status: 200, subject: `secure.${zone}` });
      expect(JSON.parse(secure.body)).toMatchObject({ backend: "tls-web", headers: { "x-forwarded-proto": "https" } });
      const other = await httpsGet(router.httpsPort!, { servername: `other.${zone}`, host: `other.${zone}`, path: "/secure", ca: wildcard.certificate });
      expect(other).toMatchObject({ status: 200, subject: `*.${zone}` });

      // A renewed certificate is used by the next connection, with no restart.
      const renewed = selfSigned(dir, [`secure.${zone}`]);
      await discovery.put(certKey(`secure.${zone}`), JSON.stringify(renewed));
      await seen(() => router.table.certificateFor(`secure.${zone}`)?.certificate === renewed.certificate);
      expect((await httpsGet(router.httpsPort!, { servername: `secure.${zone}`, host: `secure.${zone}`, path: "/secure", ca: renewed.certificate })).status).toBe(200);
      // No certificate for the name: the router's self-signed default, which a client trusting only
      // the app's certificate refuses (test/security/router.test.ts follows it through).
      await expect(httpsGet(router.httpsPort!, { servername: "nocert.example.invalid", host: "nocert.example.invalid", path: "/secure", ca: exact.certificate })).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
