import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HookSender, verifyHookSignature } from "../../../src/modules/controller";
import { DrainGuard, type Lookup } from "../../../src/modules/logger";

/** A receiver on 127.0.0.1 answering `status` (with a Location for redirects). */
async function receiver(status: number): Promise<{ server: Server; port: number; seen: { headers: IncomingHttpHeaders; body: string }[] }> {
  const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      seen.push({ headers: req.headers, body });
      res.writeHead(status, status >= 300 && status < 400 ? { location: "http://127.0.0.1:9/elsewhere" } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

/** A resolver that answers what the test says a name resolves to now. */
function resolver(answers: Record<string, string>): Lookup {
  return async (host) => {
    const address = answers[host];
    if (!address) throw new Error(`ENOTFOUND ${host}`);
    return [{ address, family: address.includes(":") ? 6 : 4 }];
  };
}

const hook = (url: string) => ({ url, secret: "s3cret", body: '{"app":"shop"}', event: "release.deployed", deliveryId: "d-1" });

describe("HookSender", () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  test("checks the host when it sends: a name that now resolves to loopback is refused and nothing is sent", async () => {
    const { server, port, seen } = await receiver(200);
    servers.push(server);
    const guard = new DrainGuard({ allowPrivate: false, allowed: [], platformHosts: [] }, resolver({ "hooks.example.test": "127.0.0.1" }), () => []);
    const response = await new HookSender(guard, "deis-test").send(hook(`http://hooks.example.test:${port}/x`));
    expect(response).toEqual({ statusCode: null, error: "refused: hooks.example.test resolves to 127.0.0.1, a loopback address; a hook may not reach it" });
    expect(seen).toEqual([]);
  });

  test("connects to the address it checked (never resolving again), keeps the Host, and signs timestamp.body", async () => {
    const { server, port, seen } = await receiver(204);
    servers.push(server);
    // The name exists only for this resolver: the request arrives only if the sender used the checked address.
    const guard = new DrainGuard({ allowPrivate: false, allowed: ["127.0.0.1/32"], platformHosts: [] }, resolver({ "hooks.example.test": "127.0.0.1" }), () => []);
    const response = await new HookSender(guard, "deis-test").send(hook(`http://hooks.example.test:${port}/x?team=ops`), new Date("2026-01-01T00:00:00Z"));
    expect(response).toEqual({ statusCode: 204, error: null });
    expect(seen).toHaveLength(1);
    const [{ headers, body }] = seen;
    expect(headers).toMatchObject({ host: `hooks.example.test:${port}`, "x-deis-timestamp": "1767225600", "x-deis-event": "release.deployed", "x-deis-delivery": "d-1", "user-agent": "deis-test" });
    expect(body).toBe('{"app":"shop"}');
    expect(verifyHookSignature("s3cret", "1767225600", body, String(headers["x-deis-signature"]))).toBe(true);
  });

  test("does not follow a redirect: it is a failed attempt", async () => {
    const { server, port, seen } = await receiver(302);
    servers.push(server);
    const guard = new DrainGuard({ allowPrivate: false, allowed: ["127.0.0.1/32"], platformHosts: [] }, resolver({ "127.0.0.1": "127.0.0.1" }), () => []);
    expect(await new HookSender(guard, "deis-test").send(hook(`http://127.0.0.1:${port}/x`))).toEqual({ statusCode: 302, error: "the receiver answered 302" });
    expect(seen).toHaveLength(1);
  });

  test("a receiver that is not there is a failed attempt with the reason", async () => {
    const guard = new DrainGuard({ allowPrivate: false, allowed: ["127.0.0.1/32"], platformHosts: [] }, resolver({ "127.0.0.1": "127.0.0.1" }), () => []);
    const { server, port } = await receiver(200);
    await new Promise((resolve) => server.close(resolve));
    const response = await new HookSender(guard, "deis-test").send(hook(`http://127.0.0.1:${port}/x`));
    expect(response).toMatchObject({ statusCode: null, error: expect.stringContaining("ECONNREFUSED") });
  });
});
