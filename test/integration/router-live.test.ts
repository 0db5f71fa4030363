import { request } from "node:http";
import { type AddressInfo, type Server, createServer as createTcpServer } from "node:net";
import { createServer } from "node:http";
import WebSocket from "ws";
import { createLogger } from "../../src/core/logger";
import { type DiscoveryStore, platformKey, serviceKey } from "../../src/modules/discovery";
import { type RequestLogEntry, type RunningRouter, startRouter } from "../../src/modules/proxy";
import { freePort } from "../harness/processes";
import { PLATFORM_DOMAIN, TestBackend, clientAgent, echoOf, engineOptions, enginesAndStores, send, uniqueApp, until } from "./router-helpers";

/** A TCP server that drops every connection as soon as a request arrives (a crashing backend). */
async function resettingServer(): Promise<{ server: Server; port: number }> {
  const server = createTcpServer((socket) => socket.once("data", () => socket.resetAndDestroy()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function openSocket(url: string, host: string): Promise<{ socket: WebSocket; greeting: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { host } });
    socket.once("message", (data) => resolve({ socket, greeting: String(data) }));
    socket.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once("error", reject);
  });
}

describe.each(enginesAndStores)("router (%s engine) on %s discovery, live", (engine, _name, open) => {
  let discovery: DiscoveryStore;
  let router: RunningRouter;
  const entries: RequestLogEntry[] = [];
  const backends: TestBackend[] = [];
  const closers: (() => void)[] = [];
  const backend = async (name: string) => {
    const started = await TestBackend.start(name);
    backends.push(started);
    return started;
  };
  /** Waits until the router's table routes `host` to `count` backends, then until its data plane serves that. */
  const routed = async (host: string, count: number) => {
    await until(() => (router.table.resolve(host)?.backends.length ?? -1) === count, `${host} with ${count} backends`);
    await router.settled();
  };

  beforeAll(async () => {
    discovery = open();
    await discovery.put(platformKey("domain"), PLATFORM_DOMAIN);
    router = await startRouter({
      discovery,
      host: "127.0.0.1",
      port: 0,
      log: createLogger("info"),
      onRequest: (e) => entries.push(e),
      ...engineOptions(engine),
    });
  });

  afterAll(async () => {
    await router.close();
    await discovery.close();
    for (const started of backends) await started.stop();
    for (const close of closers) close();
    clientAgent.destroy();
  });

  test("a backend that refuses connections is skipped: the client sees 200, bodies included", async () => {
    const app = uniqueApp("refuse");
    const host = `${app}.${PLATFORM_DOMAIN}`;
    await discovery.put(serviceKey(app, `${app}.v1.web.1`), `127.0.0.1:${await freePort()}`);
    await (await backend("refuse-live")).publish(discovery, app, `${app}.v1.web.2`);
    await routed(host, 2);
    // Consecutive requests, so that round robin starts half of each kind on the refusing one.
    for (let i = 0; i < 4; i++) expect(echoOf(await send(router.port, host)).backend).toBe("refuse-live");
    for (let i = 0; i < 4; i++) {
      const posted = echoOf(await send(router.port, host, "/form", { method: "POST", body: `n=${i}` }));
      expect(posted).toMatchObject({ backend: "refuse-live", body: `n=${i}` });
    }
  });

  test("a reset is retried for GET but not for POST; 502 when every backend fails", async () => {
    const resetter = await resettingServer();
    closers.push(() => resetter.server.close());
    const app = uniqueApp("reset");
    const host = `${app}.${PLATFORM_DOMAIN}`;
    await discovery.put(serviceKey(app, `${app}.v1.web.1`), `127.0.0.1:${resetter.port}`);
    await (await backend("reset-live")).publish(discovery, app, `${app}.v1.web.2`);
    await routed(host, 2);
    for (let i = 0; i < 4; i++) expect(echoOf(await send(router.port, host)).backend).toBe("reset-live");
    const posts = [await send(router.port, host, "/", { method: "POST", body: "a" }), await send(router.port, host, "/", { method: "POST", body: "b" })];
    expect(posts.map((answer) => answer.status).sort()).toEqual([200, 502]);

    const dead = uniqueApp("dead");
    await discovery.put(serviceKey(dead, `${dead}.v1.web.1`), `127.0.0.1:${await freePort()}`);
    await discovery.put(serviceKey(dead, `${dead}.v1.web.2`), `127.0.0.1:${resetter.port}`);
    await routed(`${dead}.${PLATFORM_DOMAIN}`, 2);
    const failed = await send(router.port, `${dead}.${PLATFORM_DOMAIN}`);
    expect(failed.status).toBe(502);
    expect(failed.body).toContain("Bad gateway");
  });

  test("routes follow discovery live; replacing a release loses no request", async () => {
    const app = uniqueApp("deploy");
    const host = `${app}.${PLATFORM_DOMAIN}`;
    const v1 = [await backend("v1-a"), await backend("v1-b")];
    for (const [i, b] of v1.entries()) await b.publish(discovery, app, `${app}.v1.web.${i + 1}`);
    await routed(host, 2);

    let running = true;
    let closedKeepAlives = 0;
    const statuses: number[] = [];
    const seen = new Set<string>();
    const client = async () => {
      for (let i = 0; running && i < 5_000; i++) {
        const answer = await send(router.port, host)
          .catch((error: NodeJS.ErrnoException) => {
            // nginx loads routes by reloading: its old workers close their keep-alive connections
            // after the request in hand (or at once when idle), and a GET sent on one just then is
            // answered by a closed connection, which HTTP clients retry on a new one (RFC 9110
            // 9.2.2; browsers and curl do, Node's http.Agent does not). Only that is retried, once.
            if (engine !== "nginx" || error.code !== "ECONNRESET") throw error;
            closedKeepAlives += 1;
            return send(router.port, host);
          })
          .catch(() => ({ status: 0, headers: {}, body: "" }));
        statuses.push(answer.status);
        if (answer.status === 200) seen.add(echoOf(answer).backend);
      }
    };
    const clients = [client(), client(), client()];
    await until(() => statuses.length > 50);

    // The runtime's order: publish the new release, then unpublish the old, then stop it at once
    // (the router may not have seen the removal yet: those requests are refused and retried).
    const v2 = [await backend("v2-a"), await backend("v2-b")];
    for (const [i, b] of v2.entries()) await b.publish(discovery, app, `${app}.v2.web.${i + 1}`);
    await routed(host, 4);
    const mark = statuses.length;
    await until(() => statuses.length > mark + 50);
    for (const i of [1, 2]) await discovery.delete(serviceKey(app, `${app}.v1.web.${i}`));
    for (const b of v1) await b.stop();
    await routed(host, 2);
    // Answers already on their way from v1 may still land: look only at requests sent later.
    const after = statuses.length;
    await until(() => statuses.length > after + 20);
    seen.clear();
    await until(() => statuses.length > after + 120);
    running = false;
    await Promise.all(clients);

    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    if (engine === "node") expect(closedKeepAlives).toBe(0);
    expect([...seen].sort()).toEqual(["v2-a", "v2-b"]);
    // Scaled to zero: 503 at once.
    for (const i of [1, 2]) await discovery.delete(serviceKey(app, `${app}.v2.web.${i}`));
    await until(async () => (await send(router.port, host)).status === 503);
  });

  test("websockets pass through both ways, skipping a refusing backend", async () => {
    const app = uniqueApp("ws");
    const host = `${app}.${PLATFORM_DOMAIN}`;
    await discovery.put(serviceKey(app, `${app}.v1.web.1`), `127.0.0.1:${await freePort()}`);
    await (await backend("ws-live")).publish(discovery, app, `${app}.v1.web.2`);
    await routed(host, 2);
    for (let round = 0; round < 2; round++) {
      const { socket, greeting } = await openSocket(`ws://127.0.0.1:${router.port}/chat?room=${round}`, host);
      expect(greeting).toBe(`hello from ws-live at /chat?room=${round} via 127.0.0.1`);
      const echoed = new Promise<string>((resolve) => socket.once("message", (data) => resolve(String(data))));
      socket.send(`ping ${round}`);
      expect(await echoed).toBe(`ping ${round}`);
      socket.close();
    }
    await until(() => entries.filter((entry) => entry.app === app && entry.status === 101).length === 2);
    await expect(openSocket(`ws://127.0.0.1:${router.port}/`, "nowhere.invalid")).rejects.toThrow("HTTP 404");
    await expect(openSocket(`ws://127.0.0.1:${router.port}/`, `${uniqueApp("nows")}.${PLATFORM_DOMAIN}`)).rejects.toThrow("HTTP 503");
  });

  test("a client that leaves is logged as 499 and its backend request is dropped", async () => {
    let backendSawClose = false;
    const hanging = createServer((req) => req.socket.once("close", () => (backendSawClose = true)));
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    closers.push(() => hanging.close());
    const app = uniqueApp("gone");
    await discovery.put(serviceKey(app, `${app}.v1.web.1`), `127.0.0.1:${(hanging.address() as AddressInfo).port}`);
    await routed(`${app}.${PLATFORM_DOMAIN}`, 1);
    const req = request({ host: "127.0.0.1", port: router.port, path: "/slow", headers: { host: `${app}.${PLATFORM_DOMAIN}` }, agent: false });
    req.on("error", () => undefined);
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 200));
    req.destroy();
    await until(() => backendSawClose, "the backend request to close");
    await until(() => entries.some((entry) => entry.app === app && entry.status === 499), "a 499 entry");
  });

  test("a backend dying mid-answer cuts the client's answer instead of hanging it", async () => {
    const half = createServer((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 50);
    });
    await new Promise<void>((resolve) => half.listen(0, "127.0.0.1", resolve));
    closers.push(() => half.close());
    const app = uniqueApp("half");
    await discovery.put(serviceKey(app, `${app}.v1.web.1`), `127.0.0.1:${(half.address() as AddressInfo).port}`);
    await routed(`${app}.${PLATFORM_DOMAIN}`, 1);
    await expect(send(router.port, `${app}.${PLATFORM_DOMAIN}`)).rejects.toThrow();
  });

  // The Node engine only: Debian's nginx (1.22) takes a 103 for the answer and waits for its end.
  (engine === "node" ? test : test.skip)("an informational answer before the real one (103 Early Hints) is not passed on; the real one is", async () => {
    const hinting = createTcpServer((socket) =>
      socket.once("data", () =>
        socket.write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-From: hinting\r\n\r\nfinal"),
      ),
    );
    await new Promise<void>((resolve) => hinting.listen(0, "127.0.0.1", resolve));
    closers.push(() => hinting.close());
    const app = uniqueApp("hints");
    await discovery.put(serviceKey(app, `${app}.v1.web.1`), `127.0.0.1:${(hinting.address() as AddressInfo).port}`);
    await routed(`${app}.${PLATFORM_DOMAIN}`, 1);
    const answer = await send(router.port, `${app}.${PLATFORM_DOMAIN}`);
    expect({ status: answer.status, body: answer.body, from: answer.headers["x-from"] }).toEqual({ status: 200, body: "final", from: "hinting" });
  });

  test("large bodies stream through both ways", async () => {
    const app = uniqueApp("big");
    await (await backend("big-web")).publish(discovery, app);
    await routed(`${app}.${PLATFORM_DOMAIN}`, 1);
    const body = "x".repeat(3 * 1024 * 1024);
    const echo = echoOf(await send(router.port, `${app}.${PLATFORM_DOMAIN}`, "/upload", { method: "PUT", body }));
    expect(echo.body.length).toBe(body.length);
  });

  test("close() lets a request in flight finish, then stops", async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const slow = createServer((_req, res) => {
      arrived();
      setTimeout(() => res.end("finished"), 300);
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    closers.push(() => slow.close());
    const app = uniqueApp("drain");
    await discovery.put(serviceKey(app, `${app}.v1.web.1`), `127.0.0.1:${(slow.address() as AddressInfo).port}`);
    const own = await startRouter({ discovery, host: "127.0.0.1", port: 0, log: createLogger("info"), ...engineOptions(engine) });
    await until(() => (own.table.resolve(`${app}.${PLATFORM_DOMAIN}`)?.backends.length ?? 0) === 1);
    await own.settled();
    const answer = send(own.port, `${app}.${PLATFORM_DOMAIN}`);
    await inFlight; // the request has reached the backend through the router
    await own.close();
    expect(await answer).toMatchObject({ status: 200, body: "finished", headers: { connection: "close" } });
    await expect(send(own.port, `${app}.${PLATFORM_DOMAIN}`)).rejects.toThrow();
  });
});
