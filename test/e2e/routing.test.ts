import { request as httpsRequest } from "node:https";
import WebSocket from "ws";
import { type LogLine, logIntakeTopic } from "../../src/core/topics";
import type { DeisClient } from "../../src/sdk/client";
import { settledRelease, uniqueApp } from "../harness/apps";
import { selfSigned } from "../harness/certificates";
import { ECHO_IMAGE } from "../harness/docker";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

/** Deployed apps through the platform's own router: by Host header, custom domains, HTTPS, websockets. */
describe.each(["node", "nginx"])("apps answer through the router (%s engine)", (engine) => {
  let t: TestPlatform;
  let alice: DeisClient;
  const app = uniqueApp("routed");
  const host = `${app}.localhost`;
  let port: number;

  const ok = async (hostHeader: string, path = "/") => {
    const answer = await send(port, hostHeader, path);
    if (answer.status !== 200) throw new Error(`${hostHeader}${path} answered ${answer.status}: ${answer.body}`);
    return JSON.parse(answer.body) as { app: string; release: string; hostname: string; headers: Record<string, string> };
  };

  beforeAll(async () => {
    t = await startTestPlatform({ env: { DEIS_ROUTER_ENGINE: engine } });
    port = t.platform.router.port;
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    await settledRelease(alice, app, 2);
  });
  afterAll(() => t.stop());

  test("http://<app>.<domain> reaches the app, with forwarded headers", async () => {
    const body = await eventually("the route", () => ok(host).catch(() => undefined));
    expect(body).toMatchObject({ app, release: "v2" });
    expect(body.headers).toMatchObject({ "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http", "x-forwarded-host": host });
    expect(body.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("each request is logged as <app>[router]: GET /path 200 Nms", async () => {
    const lines = await t.platform.cache.events.subscribe(logIntakeTopic);
    await ok(host, "/logged?x=1");
    let line: LogLine | undefined;
    while (!line) {
      const next = (await lines.next()).value as LogLine;
      if (next.app === app && next.message.includes("/logged")) line = next;
    }
    await lines.return?.();
    expect(line).toMatchObject({ app, source: "router" });
    expect(line.message).toMatch(/^GET \/logged\?x=1 200 \d+ms$/);
  });

  test("scale web=3: requests go round robin to all three", async () => {
    await alice.sdk.Scale({ app, processes: [{ type: "web", count: 3 }] });
    const seen = await eventually("three backends answering", async () => {
      const hosts = new Set<string>();
      for (let i = 0; i < 12; i++) hosts.add((await ok(host)).hostname);
      return hosts.size === 3 ? hosts : undefined;
    });
    expect(seen.size).toBe(3);
  });

  test("a custom domain and a websocket reach the app", async () => {
    await alice.sdk.AddDomain({ app, domain: "shop.example.com" });
    expect(await eventually("the custom domain", () => ok("shop.example.com").catch(() => undefined))).toMatchObject({ app });
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host } });
      socket.once("open", () => socket.send("ping through the router"));
      socket.once("message", (data) => {
        resolve(data.toString());
        socket.close();
      });
      socket.once("error", reject);
    });
    expect(echoed).toBe("ping through the router");
  });

  test("HTTPS with the app's certificate, chosen by SNI", async () => {
    const { certificate, key } = selfSigned(["secure.example.com"]);
    await alice.sdk.AddDomain({ app, domain: "secure.example.com" });
    await alice.sdk.AddCertificate({ app, name: "secure", certificate, key });
    const body = await eventually("HTTPS to answer", () =>
      new Promise<string | undefined>((resolve) => {
        const req = httpsRequest(
          { host: "127.0.0.1", port: t.platform.router.httpsPort!, servername: "secure.example.com", headers: { host: "secure.example.com" }, ca: certificate },
          (res) => {
            let text = "";
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => resolve(res.statusCode === 200 ? text : undefined));
          },
        );
        req.once("error", () => resolve(undefined));
        req.end();
      }),
    );
    expect(JSON.parse(body)).toMatchObject({ app, headers: { "x-forwarded-proto": "https" } });
  });

  test("no processes: 503 with a page; an unknown host: 404", async () => {
    await alice.sdk.Scale({ app, processes: [{ type: "web", count: 0 }] });
    const answer = await eventually("503", async () => {
      const response = await send(port, host);
      return response.status === 503 ? response : undefined;
    });
    expect(answer.body).toContain("This app has no running processes right now");
    expect((await send(port, "nobody.example.org")).status).toBe(404);
  });
});
