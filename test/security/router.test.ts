import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/core/config";
import { createLogger } from "../../src/core/logger";
import { type DiscoveryStore, certKey, domainKey, openDiscovery, platformKey, serviceKey } from "../../src/modules/discovery";
import { generate } from "selfsigned";
import { type RequestLogEntry, type RunningRouter, loadDefaultCertificate, startRouter } from "../../src/modules/proxy";
import { DEFAULT_CERTIFICATE_NAME } from "../../src/modules/proxy/default-certificate";
import {
  HangingBackend,
  PLATFORM_DOMAIN,
  TestBackend,
  clientAgent,
  echoOf,
  httpsGet,
  rawExchange,
  send,
  uniqueApp,
  until,
} from "../integration/router-helpers";

/**
 * Issue 9, "Router": a backend that never answers does not hold its clients, a request with two
 * Host headers is refused, a client slow to send its headers is cut off, and an HTTPS name with no
 * certificate of its own still completes its handshake.
 */
describe("router against hanging backends, ambiguous requests and slow clients", () => {
  let discovery: DiscoveryStore;
  let router: RunningRouter;
  const entries: RequestLogEntry[] = [];
  const stops: (() => Promise<void>)[] = [];
  const host = (app: string) => `${app}.${PLATFORM_DOMAIN}`;
  const routed = (app: string, count: number) =>
    until(() => (router.table.resolve(host(app))?.backends.length ?? -1) === count, `${app} with ${count} backends`);

  beforeAll(async () => {
    discovery = openDiscovery([]);
    await discovery.put(platformKey("domain"), PLATFORM_DOMAIN);
    router = await startRouter({
      discovery,
      host: "127.0.0.1",
      port: 0,
      httpsPort: 0,
      log: createLogger("error"),
      onRequest: (entry) => entries.push(entry),
      backendTimeoutMs: 1_000,
      headerTimeoutMs: 1_000,
    });
  });

  afterAll(async () => {
    await router.close();
    await discovery.close();
    for (const stop of stops) await stop();
    clientAgent.destroy();
  });

  const hanging = async (app: string, container: string) => {
    const backend = await HangingBackend.start();
    stops.push(() => backend.stop());
    await discovery.put(serviceKey(app, container), backend.address);
    return backend;
  };

  test("a backend that never answers gets 504 with a log line, and the request is not retried on another backend", async () => {
    const app = uniqueApp("hang");
    const [first, second] = [await hanging(app, `${app}.v1.web.1`), await hanging(app, `${app}.v1.web.2`)];
    await routed(app, 2);

    const timedOut = await send(router.port, host(app), "/slow", { headers: { "x-request-id": "hang-get-1" } });
    expect(timedOut.status).toBe(504);
    expect(timedOut.body).toContain("Gateway timeout");
    const [got, other] = first.requestIds.length > 0 ? [first, second] : [second, first];
    expect(got.requestIds).toEqual(["hang-get-1"]);
    // The connection that carried it is cut (undici may then open a fresh one and close it unused).
    await until(() => got.closedConnections >= 1, "the router to drop the timed-out request");

    // Round robin sends the next request to the other backend: it is the first one it ever sees,
    // so the timed-out GET never went there. A POST with a body times out the same way.
    const posted = await send(router.port, host(app), "/orders", {
      method: "POST",
      headers: { "x-request-id": "hang-post-2" },
      body: "qty=2",
    });
    expect(posted.status).toBe(504);
    expect(other.requestIds).toEqual(["hang-post-2"]);
    expect(got.requestIds).toEqual(["hang-get-1"]);

    await until(() => entries.filter((entry) => entry.app === app).length === 2, "two request log lines");
    expect(entries.filter((entry) => entry.app === app)).toEqual([
      expect.objectContaining({ method: "GET", path: "/slow", status: 504, requestId: "hang-get-1", backend: got.address }),
      expect.objectContaining({ method: "POST", path: "/orders", status: 504, requestId: "hang-post-2", backend: other.address }),
    ]);
  });

  test("a websocket backend that never answers the handshake gets 504", async () => {
    const app = uniqueApp("hangws");
    const backend = await hanging(app, `${app}.v1.web.1`);
    await routed(app, 1);
    const answer = await rawExchange(
      router.port,
      `GET /socket HTTP/1.1\r\nHost: ${host(app)}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    expect(answer.status).toBe(504);
    expect(backend.requestIds).toHaveLength(1);
    await until(() => entries.some((entry) => entry.app === app), "the websocket's log line");
    expect(entries.find((entry) => entry.app === app)).toMatchObject({ path: "/socket", status: 504, backend: backend.address });
  });

  test("an answer whose headers came in time is not cut by the backend timeout, however long its body takes", async () => {
    const [streaming, slow] = [uniqueApp("stream"), uniqueApp("slow")];
    let finish: (() => void) | null = null;
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first half, ");
      finish = () => res.end("second half");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await discovery.put(serviceKey(streaming, `${streaming}.v1.web.1`), `127.0.0.1:${(server.address() as AddressInfo).port}`);
    await hanging(slow, `${slow}.v1.web.1`);
    await Promise.all([routed(streaming, 1), routed(slow, 1)]);

    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: router.port, path: "/", headers: { host: host(streaming) }, agent: false }, resolve);
      req.on("error", reject);
      req.end();
    });
    let body = "";
    response.on("data", (chunk: Buffer) => (body += chunk.toString()));
    const ended = new Promise<void>((resolve) => response.on("end", resolve));
    // A request sent after the streaming answer's headers has timed out: so has the backend timeout
    // for the streaming one, which must not have been cut.
    expect((await send(router.port, host(slow))).status).toBe(504);
    expect(response.statusCode).toBe(200);
    finish!();
    await ended;
    expect(body).toBe("first half, second half");
    const echo = await TestBackend.start("fast");
    stops.push(() => echo.stop());
    const fast = uniqueApp("fast");
    await echo.publish(discovery, fast);
    await routed(fast, 1);
    expect(echoOf(await send(router.port, host(fast))).backend).toBe("fast");
  });

  test("two Host headers (any spelling) or none on HTTP/1.1 is 400, and no backend sees the request", async () => {
    const [victim, attacker] = [uniqueApp("victim"), uniqueApp("attacker")];
    const backend = await hanging(victim, `${victim}.v1.web.1`);
    const echo = await TestBackend.start("attacker-web");
    stops.push(() => echo.stop());
    await echo.publish(discovery, attacker);
    await Promise.all([routed(victim, 1), routed(attacker, 1)]);

    const twice = await rawExchange(router.port, `GET / HTTP/1.1\r\nHost: ${host(attacker)}\r\nhost: ${host(victim)}\r\n\r\n`);
    expect(twice.status).toBe(400);
    expect(twice.data).toContain("more than one Host header");
    const same = await rawExchange(router.port, `GET / HTTP/1.1\r\nHOST: ${host(victim)}\r\nHost: ${host(victim)}\r\n\r\n`);
    expect(same.status).toBe(400);
    const upgrade = await rawExchange(
      router.port,
      `GET / HTTP/1.1\r\nHost: ${host(victim)}\r\nHost: ${host(attacker)}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    );
    expect(upgrade.status).toBe(400);
    const none = await rawExchange(router.port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(none.status).toBe(400);
    // The same router still routes a well-formed request: the refusals above were about the requests.
    const one = await rawExchange(router.port, `GET /ok HTTP/1.1\r\nHost: ${host(attacker)}\r\nConnection: close\r\n\r\n`);
    expect(one.status).toBe(200);
    expect(backend.requestIds).toEqual([]);
    expect(entries.some((entry) => entry.app === victim)).toBe(false);
  });

  test("a client that does not finish its headers, or its TLS handshake, is disconnected", async () => {
    const app = uniqueApp("slowloris");
    const echo = await TestBackend.start("slowloris-web");
    stops.push(() => echo.stop());
    await echo.publish(discovery, app);
    await routed(app, 1);

    const [half, silent, tlsHalf, noHello] = await Promise.all([
      rawExchange(router.port, `GET / HTTP/1.1\r\nHost: ${host(app)}\r\nX-Slow: `),
      rawExchange(router.port, ""),
      rawExchange(router.httpsPort!, `GET / HTTP/1.1\r\nHost: ${host(app)}\r\nX-Slow: `, { servername: host(app) }),
      rawExchange(router.httpsPort!, ""),
    ]);
    // Each promise resolves only when the router closed the connection; none got an app's answer.
    for (const answer of [half, silent, tlsHalf]) expect([0, 408]).toContain(answer.status);
    expect(noHello.data).toBe("");
    expect(entries.some((entry) => entry.app === app)).toBe(false);
  });

  test("HTTPS for a name without a certificate completes the handshake with the default certificate and routes by Host", async () => {
    const app = uniqueApp("nocert");
    const echo = await TestBackend.start("nocert-web");
    stops.push(() => echo.stop());
    await echo.publish(discovery, app);
    await routed(app, 1);

    const appAnswer = await httpsGet(router.httpsPort!, { servername: host(app), host: host(app) });
    expect(appAnswer).toMatchObject({ status: 200, subject: DEFAULT_CERTIFICATE_NAME });
    expect(JSON.parse(appAnswer.body)).toMatchObject({ backend: "nocert-web", headers: { "x-forwarded-proto": "https" } });
    const unknown = await httpsGet(router.httpsPort!, { servername: "nowhere.example.invalid", host: "nowhere.example.invalid" });
    expect(unknown).toMatchObject({ status: 404, subject: DEFAULT_CERTIFICATE_NAME });
    // A client that sends no SNI name (an address) gets the same certificate.
    expect(await httpsGet(router.httpsPort!, { servername: undefined, host: host(app) })).toMatchObject({ status: 200, subject: DEFAULT_CERTIFICATE_NAME });

    // The default one never shadows an app's own certificate, RSA or EC (OpenSSL keeps one per key type).
    for (const keyType of ["rsa", "ec"] as const) {
      const name = `${keyType}.${uniqueApp("own")}.example.org`;
      const own = await generate([{ name: "commonName", value: name }], { keyType, algorithm: "sha256" });
      await discovery.put(domainKey(name), app);
      await discovery.put(certKey(name), JSON.stringify({ certificate: own.cert, key: own.private }));
      await until(() => router.table.certificateFor(name) !== null && router.table.resolve(name) !== null, `${name}'s certificate`);
      expect(await httpsGet(router.httpsPort!, { servername: name, host: name })).toMatchObject({ status: 200, subject: name });
    }
  });
});

describe("the default certificate under the data dir", () => {
  const dir = mkdtempSync(join(tmpdir(), "router-default-cert-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("is made once, kept, and made anew when the kept one is unusable", async () => {
    const log = createLogger("error");
    const made = await loadDefaultCertificate(dir, log);
    const certificate = new X509Certificate(made.certificate);
    expect(certificate.subject).toBe(`CN=${DEFAULT_CERTIFICATE_NAME}`);
    expect(certificate.ca).toBe(false);
    expect(certificate.publicKey.asymmetricKeyType).toBe("rsa");
    expect(await loadDefaultCertificate(dir, log)).toEqual(made);
    writeFileSync(join(dir, "router", "default.key"), "not a key");
    const remade = await loadDefaultCertificate(dir, log);
    expect(remade.certificate).not.toBe(made.certificate);
    expect(new X509Certificate(remade.certificate).checkPrivateKey(createPrivateKey(remade.key))).toBe(true);
  });
});

describe("router timeouts in the configuration", () => {
  test("default to 30 s for backends and 15 s for headers, and refuse what is out of range", () => {
    expect(loadConfig({})).toMatchObject({ routerBackendTimeoutSeconds: 30, routerHeaderTimeoutSeconds: 15 });
    expect(loadConfig({ DEIS_ROUTER_BACKEND_TIMEOUT_SECONDS: "55", DEIS_ROUTER_HEADER_TIMEOUT_SECONDS: "5" })).toMatchObject({
      routerBackendTimeoutSeconds: 55,
      routerHeaderTimeoutSeconds: 5,
    });
    expect(() => loadConfig({ DEIS_ROUTER_BACKEND_TIMEOUT_SECONDS: "0" })).toThrow(/DEIS_ROUTER_BACKEND_TIMEOUT_SECONDS: must be between 1 and 3600/);
    expect(() => loadConfig({ DEIS_ROUTER_HEADER_TIMEOUT_SECONDS: "301" })).toThrow(/DEIS_ROUTER_HEADER_TIMEOUT_SECONDS: must be between 1 and 300/);
    expect(() => loadConfig({ DEIS_ROUTER_HEADER_TIMEOUT_SECONDS: "1.5" })).toThrow(ConfigError);
  });
});

