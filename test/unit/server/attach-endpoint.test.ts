import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import type { RequestContext } from "../../../src/core/context";
import { createLogger } from "../../../src/core/logger";
import type { Services } from "../../../src/modules/controller";
import { type AttachEndpoint, attachEndpoint } from "../../../src/server/attach-endpoint";

/** The /attach endpoint alone, with a session that takes as long to start as the test says. */
describe("attach endpoint: what a client may send before its session starts", () => {
  let server: Server;
  let endpoint: AttachEndpoint;
  let url: string;
  const pending: ((error: Error) => void)[] = [];

  beforeAll(async () => {
    const services = {
      // The container is still being made: the session starts only when the test ends.
      interactiveRuns: { start: () => new Promise((_resolve, reject) => pending.push(reject)) },
      audit: { record: async () => undefined },
    } as unknown as Services;
    const ctx = { user: { id: "u1", username: "alice", isAdmin: false } } as unknown as RequestContext;
    endpoint = attachEndpoint({ services, log: createLogger("silent"), contextFor: async () => ctx });
    server = createServer();
    server.on("upgrade", (request, socket, head) => endpoint.handleUpgrade(request, socket, head));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/attach?app=shop&command=sh`;
  });

  afterAll(async () => {
    for (const reject of pending) reject(new Error("test over"));
    await endpoint.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const open = async () => {
    const socket = new WebSocket(url, { headers: { authorization: "Bearer t" } });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    return { socket, closed };
  };

  test("more than 1 MiB in all (in frames each under the frame limit) cuts the client off rather than holding it in memory", async () => {
    const { socket, closed } = await open();
    const frame = Buffer.alloc(600 * 1024, 1);
    socket.send(frame, { binary: true });
    socket.send(frame, { binary: true });
    expect(await closed).toBe(1006); // terminated, no close frame
  });

  test("keys typed while the container starts (a few small frames) are kept: the client stays connected", async () => {
    const { socket, closed } = await open();
    let state = "open";
    void closed.then(() => (state = "closed"));
    for (let i = 0; i < 10; i++) socket.send(Buffer.from("ls\n"), { binary: true });
    // A round trip after the frames: the server has read them all by the time the pong comes back.
    await new Promise<void>((resolve) => {
      socket.once("pong", () => resolve());
      socket.ping();
    });
    expect(state).toBe("open");
    socket.close();
    await closed;
  });
});
