import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { Agent, request } from "node:http";
import { Registry } from "prom-client";
import WebSocket from "ws";
import { join } from "node:path";
import { createLogger } from "../../src/core/logger";
import { type DiscoveryStore, appKey, openDiscovery, platformKey, serviceKey } from "../../src/modules/discovery";
import { RouterMetrics } from "../../src/modules/metrics";
import { type RunningRouter, startRouter } from "../../src/modules/proxy";
import { NginxProcess, findNginxBinary } from "../../src/modules/proxy/nginx/nginx-process";
import { testEnv } from "../harness/env";
import { freePort, pidAlive } from "../harness/processes";
import { hashPassword } from "../../src/modules/controller/services/password";
import { PLATFORM_DOMAIN, TestBackend, clientAgent, echoOf, rawExchange, send, uniqueApp, until } from "./router-helpers";

/** What only the nginx engine has: its process, its files, its reloads (the shared suite covers the behaviours). */

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

/** GET / through the router on `agent` (keep-alive): the backend that answered and the client socket's port. */
function keptAlive(agent: Agent, port: number, host: string): Promise<{ backend: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent, headers: { host } }, (res) => {
      const localPort = res.socket.localPort!;
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`expected 200, got ${res.statusCode}: ${body}`));
        resolve({ backend: (JSON.parse(body) as { backend: string }).backend, localPort });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** A configuration answering `text` on `port`, and its generation on the control port. */
function configuration(prefix: string, port: number, controlPort: number, generation: number, text: string): string {
  return `pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client-body; proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  server { listen 127.0.0.1:${controlPort}; location / { return 200 "${generation}"; } }
  server { listen 127.0.0.1:${port}; location / { return 200 "${text}"; } }
}
`;
}

describe("the nginx engine's process", () => {
  test("a configuration nginx refuses never replaces the one serving; a good one is loaded by SIGHUP; stopped by PID", async () => {
    const prefix = mkdtempSync(join(testEnv.root, "nginx-process-"));
    const [port, controlPort] = [await freePort(), await freePort()];
    const nginx = new NginxProcess({ binary: findNginxBinary(null)!, prefix, controlPort, workers: 1, log: createLogger("silent") });
    await nginx.start(configuration(prefix, port, controlPort, 1, "first"), 1);
    try {
      const pid = nginx.pid!;
      expect(readFileSync(join(prefix, "nginx.pid"), "utf8").trim()).toBe(String(pid));
      expect(await get(port)).toBe("first");

      const refused = await nginx.apply(configuration(prefix, port, controlPort, 2, "second").replace("worker_processes 1;", "worker_processes one;"), 2);
      expect(refused).toMatch(/worker_processes/);
      expect(await get(port)).toBe("first");
      expect(readFileSync(nginx.configFile, "utf8")).toContain('"first"');
      await nginx.settled(); // the generation in place is still the first

      expect(await nginx.apply(configuration(prefix, port, controlPort, 3, "third"), 3)).toBeNull();
      expect(await get(port)).toBe("third");
      expect(nginx.pid).toBe(pid); // reloaded, not restarted
      expect(statSync(nginx.configFile).mode & 0o777).toBe(0o600);
    } finally {
      const pid = nginx.pid!;
      await nginx.stop();
      expect(pidAlive(pid)).toBe(false);
    }
  });
});

describe("the router's nginx engine", () => {
  let discovery: DiscoveryStore;
  let router: RunningRouter;
  const dataDir = mkdtempSync(join(testEnv.root, "router-nginx-own-"));
  const prefix = join(dataDir, "router", "nginx");
  const backends: TestBackend[] = [];
  const registry = new Registry();
  /** The generation of the configuration nginx has in place. */
  const generation = () => Number(/return 200 "(\d+)";/.exec(readFileSync(join(prefix, "nginx.conf"), "utf8"))?.[1]);
  const masterPid = () => Number(readFileSync(join(prefix, "nginx.pid"), "utf8"));

  beforeAll(async () => {
    discovery = openDiscovery([]);
    await discovery.put(platformKey("domain"), PLATFORM_DOMAIN);
    router = await startRouter({
      discovery,
      host: "127.0.0.1",
      port: 0,
      httpsPort: 0,
      log: createLogger("silent"),
      onRequest: () => undefined,
      metrics: { router: new RouterMetrics(registry), access: { mode: "loopback", token: null }, text: () => registry.metrics() },
      engine: "nginx",
      nginx: { dataDir, workers: 2 },
    });
  });

  afterAll(async () => {
    await router?.close();
    await discovery.close();
    for (const backend of backends) await backend.stop();
    clientAgent.destroy();
  });

  test("its files live under <dataDir>/router/nginx (configuration 0600: it holds keys), its workers run unprivileged", async () => {
    expect(statSync(join(prefix, "nginx.conf")).mode & 0o777).toBe(0o600);
    expect(statSync(join(prefix, "requests.log")).mode & 0o777).toBe(0o600);
    const master = masterPid();
    expect(pidAlive(master)).toBe(true);
    const workers = () => readFileSync(`/proc/${master}/task/${master}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    const own = process.getuid!();
    // As root the workers drop to nobody (never root); otherwise they run as this user. A worker
    // just forked is still its master's user until it has set itself up: wait for that.
    const expected = own === 0 ? 65534 : own;
    await until(() => workers().length === 2 && workers().every((pid) => uidOf(pid) === expected), "two workers as the unprivileged user");
    expect(workers().map(uidOf)).toEqual([expected, expected]);
  });

  test("a burst of route changes is loaded by one reload", async () => {
    const app = uniqueApp("burst");
    const backend = await TestBackend.start("burst-web");
    backends.push(backend);
    await router.settled();
    const before = generation();
    for (let i = 1; i <= 30; i++) await discovery.put(serviceKey(app, `${app}.v1.web.${i}`), backend.address);
    await until(() => router.table.resolve(`${app}.${PLATFORM_DOMAIN}`)?.backends.length === 30, "30 backends in the table");
    await router.settled();
    expect(generation() - before).toBe(1);
    expect(echoOf(await send(router.port, `${app}.${PLATFORM_DOMAIN}`)).backend).toBe("burst-web");
    // Requests are counted per app from nginx's request lines, as the Node router counts them.
    const counted = async () =>
      (await registry.getSingleMetricAsString("deis_router_requests_total"))
        .split("\n")
        .find((line) => line.includes(`app="${app}"`) && line.includes('status_class="2xx"'))
        ?.split(" ")
        .at(-1);
    await until(async () => (await counted()) === "1", "the request counted");
    // Nothing changed, nothing loaded.
    await discovery.put(serviceKey(app, `${app}.v1.web.1`), backend.address);
    await router.settled();
    expect(generation() - before).toBe(1);
  });

  test("a redeploy changes backends without a reload: a keep-alive client's connection stays open and reaches the new process", async () => {
    const app = uniqueApp("noreload");
    const [old, next] = [await TestBackend.start("old-web"), await TestBackend.start("new-web")];
    backends.push(old, next);
    await discovery.put(appKey(app), JSON.stringify({ maintenance: false, allow: [], basicAuth: null })); // as the platform keeps it
    await old.publish(discovery, app);
    await until(() => router.table.resolve(`${app}.${PLATFORM_DOMAIN}`)?.backends.length === 1, "the app in the table");
    await router.settled();
    const before = generation();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await keptAlive(agent, router.port, `${app}.${PLATFORM_DOMAIN}`);
      expect(first.backend).toBe("old-web");
      // The release after it: the new process routed, the old one gone (as the deployer does).
      await next.publish(discovery, app);
      await discovery.delete(serviceKey(app, "old-web"));
      await until(() => router.table.resolve(`${app}.${PLATFORM_DOMAIN}`)?.backends.length === 1 && router.table.resolve(`${app}.${PLATFORM_DOMAIN}`)?.backends[0].port === next.port, "the new backend alone in the table");
      await router.settled();
      const second = await keptAlive(agent, router.port, `${app}.${PLATFORM_DOMAIN}`);
      expect(second.backend).toBe("new-web");
      expect(second.localPort).toBe(first.localPort); // the same client connection
      expect(generation()).toBe(before);
      // No backends left: the 503 page, still without a reload.
      await discovery.delete(serviceKey(app, "new-web"));
      await until(() => (router.table.resolve(`${app}.${PLATFORM_DOMAIN}`)?.backends.length ?? 0) === 0, "no backends in the table");
      await router.settled();
      expect((await send(router.port, `${app}.${PLATFORM_DOMAIN}`)).status).toBe(503);
      expect(generation()).toBe(before);
    } finally {
      agent.destroy();
    }
  });

  test("a master that dies is started again and gets every app's backends again", async () => {
    const app = uniqueApp("respawn");
    const backend = await TestBackend.start("respawn-web");
    backends.push(backend);
    await backend.publish(discovery, app);
    await until(() => router.table.resolve(`${app}.${PLATFORM_DOMAIN}`)?.backends.length === 1, "the app in the table");
    await router.settled();
    const master = masterPid();
    // Killed outright, its workers live on holding the ports: the router stops them and starts a master.
    process.kill(master, "SIGKILL");
    await until(() => !pidAlive(master), "the master gone");
    await until(() => {
      try {
        return masterPid() !== master && pidAlive(masterPid());
      } catch {
        return false;
      }
    }, "a new master");
    await router.settled();
    expect(echoOf(await send(router.port, `${app}.${PLATFORM_DOMAIN}`)).backend).toBe("respawn-web");
  });

  test("a backend whose host name does not resolve is left out instead of blocking every later change", async () => {
    const [bad, good] = [uniqueApp("badhost"), uniqueApp("goodhost")];
    const backend = await TestBackend.start("good-web");
    backends.push(backend);
    await discovery.put(serviceKey(bad, `${bad}.v1.web.1`), "no-such-host.invalid:5000");
    await backend.publish(discovery, good);
    await until(() => router.table.resolve(`${good}.${PLATFORM_DOMAIN}`)?.backends.length === 1, "the good app in the table");
    await router.settled();
    expect(echoOf(await send(router.port, `${good}.${PLATFORM_DOMAIN}`)).backend).toBe("good-web");
    expect((await send(router.port, `${bad}.${PLATFORM_DOMAIN}`)).status).toBe(503);
  });

  test("an nginx left running by a router that died is stopped by the next router on the same data dir", async () => {
    const ownDir = mkdtempSync(join(testEnv.root, "router-nginx-stale-"));
    const ownPrefix = join(ownDir, "router", "nginx");
    const port = await freePort();
    const options = { discovery, host: "127.0.0.1", port, log: createLogger("silent"), engine: "nginx" as const, nginx: { dataDir: ownDir, workers: 1 } };
    await (await startRouter(options)).close();
    // What a router killed outright leaves: its nginx, still serving on the router's port.
    const orphan = spawn(findNginxBinary(null)!, ["-p", ownPrefix, "-e", join(ownPrefix, "error.log"), "-c", join(ownPrefix, "nginx.conf"), "-g", "daemon off;"], { stdio: "ignore" });
    await until(() => {
      try {
        return Number(readFileSync(join(ownPrefix, "nginx.pid"), "utf8")) === orphan.pid;
      } catch {
        return false;
      }
    }, "the orphan's pid file");
    const next = await startRouter(options);
    try {
      expect(pidAlive(orphan.pid!)).toBe(false);
      expect(Number(readFileSync(join(ownPrefix, "nginx.pid"), "utf8"))).not.toBe(orphan.pid);
      expect((await send(next.port, "nowhere.invalid", "/healthz")).status).toBe(200);
    } finally {
      await next.close();
    }
  });

  test("a websocket quiet for longer than the backend timeout stays open (requests are bounded by it, websockets are not)", async () => {
    const ownDir = mkdtempSync(join(testEnv.root, "router-nginx-ws-"));
    const own = await startRouter({ discovery, host: "127.0.0.1", port: 0, log: createLogger("silent"), backendTimeoutMs: 1_000, engine: "nginx", nginx: { dataDir: ownDir, workers: 1 } });
    try {
      const app = uniqueApp("quietws");
      const backend = await TestBackend.start("quiet-ws");
      backends.push(backend);
      await backend.publish(discovery, app);
      await until(() => own.table.resolve(`${app}.${PLATFORM_DOMAIN}`)?.backends.length === 1, "the app in the table");
      await own.settled();
      const socket = new WebSocket(`ws://127.0.0.1:${own.port}/`, { headers: { host: `${app}.${PLATFORM_DOMAIN}` } });
      const messages: string[] = [];
      let closed = false;
      socket.on("message", (data) => messages.push(String(data)));
      socket.on("close", () => (closed = true));
      await until(() => messages.length === 1, "the greeting");
      // Quiet for longer than the backend timeout (1 s), then still answering.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(closed).toBe(false);
      socket.send("still there");
      await until(() => messages.length === 2, "the echo");
      expect(messages[1]).toBe("still there");
      socket.close();
    } finally {
      await own.close();
    }
  });

  test("basic auth is decided for the app nginx chose: an absolute-form URI naming it, with the Host of an open app, gets 401", async () => {
    const [guarded, open] = [uniqueApp("guarded"), uniqueApp("open")];
    const [secret, plain] = [await TestBackend.start("guarded-web"), await TestBackend.start("open-web")];
    backends.push(secret, plain);
    await discovery.put(appKey(guarded), JSON.stringify({ maintenance: false, allow: [], basicAuth: { username: "guest", passwordHash: await hashPassword("pw") } }));
    await discovery.put(appKey(open), JSON.stringify({ maintenance: false, allow: [], basicAuth: null }));
    await secret.publish(discovery, guarded);
    await plain.publish(discovery, open);
    await until(() => router.table.resolve(`${guarded}.${PLATFORM_DOMAIN}`)?.backends.length === 1 && router.table.resolve(`${open}.${PLATFORM_DOMAIN}`)?.backends.length === 1, "both apps routed");
    await router.settled();
    expect((await send(router.port, `${guarded}.${PLATFORM_DOMAIN}`)).status).toBe(401);
    expect((await send(router.port, `${open}.${PLATFORM_DOMAIN}`)).status).toBe(200);
    // nginx picks the server by the request line's host; the credential check must not go by the Host header.
    for (const method of ["GET", "HEAD"]) {
      const smuggled = await rawExchange(router.port, `${method} http://${guarded}.${PLATFORM_DOMAIN}/ HTTP/1.1\r\nHost: ${open}.${PLATFORM_DOMAIN}\r\nConnection: close\r\n\r\n`);
      expect(smuggled.data).not.toContain("guarded-web");
      expect(smuggled.status).toBe(401);
    }
    // A websocket handshake goes to a location of its own: the same check applies there.
    const upgrade = await rawExchange(router.port, `GET / HTTP/1.1\r\nHost: ${guarded}.${PLATFORM_DOMAIN}\r\nConnection: close\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    expect(upgrade.status).toBe(401);
    expect(upgrade.data).not.toContain("guarded-web");
    // The reserved path is not a client's to ask (nginx's internal location: 404).
    for (const path of ["/.deis-router-auth", `/.deis-router-auth/${open}`, "//.deis-router-auth", "/%2Edeis-router-auth"]) {
      const direct = await send(router.port, `${guarded}.${PLATFORM_DOMAIN}`, path);
      expect([401, 404]).toContain(direct.status);
      expect(direct.body).not.toContain("guarded-web");
    }
  });

  test("close() stops nginx by its PID", async () => {
    const ownDir = mkdtempSync(join(testEnv.root, "router-nginx-close-"));
    const own = await startRouter({ discovery, host: "127.0.0.1", port: 0, log: createLogger("silent"), engine: "nginx", nginx: { dataDir: ownDir, workers: 1 } });
    expect((await send(own.port, "nowhere.invalid", "/healthz")).status).toBe(200);
    const master = Number(readFileSync(join(ownDir, "router", "nginx", "nginx.pid"), "utf8"));
    expect(pidAlive(master)).toBe(true);
    await own.close();
    expect(pidAlive(master)).toBe(false);
    await expect(send(own.port, "nowhere.invalid", "/healthz")).rejects.toThrow();
  });
});
