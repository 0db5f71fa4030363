import { type ChildProcess, spawn } from "node:child_process";
import { type Socket, connect } from "node:net";
import { createLogger } from "../../src/core/logger";
import { type DiscoveryStore, openDiscovery, platformKey, serviceKey } from "../../src/modules/discovery";
import { type RunningRouter, startRouter } from "../../src/modules/proxy";
import { PLATFORM_DOMAIN, TestBackend, clientAgent, echoOf, send, uniqueApp, until } from "./router-helpers";

/**
 * A backend whose host drops connection attempts (a node cut off the network): a listener on
 * 127.0.0.1 that never accepts, its backlog filled, so the kernel drops further SYNs and a connect
 * hangs. It runs in a child that blocks right after saying its port (a pipe write is synchronous),
 * stopped by its PID.
 */
async function blackHole(): Promise<{ child: ChildProcess; port: number; fillers: Socket[] }> {
  const script = `const s=require("net").createServer().listen({port:0,host:"127.0.0.1",backlog:1},()=>{process.stdout.write(s.address().port+"\\n");Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)})`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => child.stdout!.once("data", (data: Buffer) => resolve(Number(String(data).trim()))));
  // Fill the accept queue (backlog + 1) once the child no longer accepts; further SYNs are dropped.
  const fillers: Socket[] = [];
  for (;;) {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    fillers.push(socket);
    const opened = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 500);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!opened) return { child, port, fillers };
    if (fillers.length > 64) throw new Error("the listener kept accepting connections");
  }
}

describe("router (node engine): a backend whose connection never opens", () => {
  let discovery: DiscoveryStore;
  let router: RunningRouter;
  let hole: Awaited<ReturnType<typeof blackHole>>;
  let good: TestBackend;

  beforeAll(async () => {
    discovery = openDiscovery([]);
    await discovery.put(platformKey("domain"), PLATFORM_DOMAIN);
    router = await startRouter({ discovery, host: "127.0.0.1", port: 0, log: createLogger("warn"), engine: "node", connectTimeoutMs: 300 });
    hole = await blackHole();
    good = await TestBackend.start("reachable");
  });

  afterAll(async () => {
    await router.close();
    await discovery.close();
    await good.stop();
    for (const socket of hole.fillers) socket.destroy();
    hole.child.kill("SIGKILL");
    clientAgent.destroy();
  });

  test("is given up after the connect timeout and the next backend answers, for GET and POST", async () => {
    const app = uniqueApp("cutoff");
    const host = `${app}.${PLATFORM_DOMAIN}`;
    await discovery.put(serviceKey(app, `${app}.v1.web.1`), `127.0.0.1:${hole.port}`);
    await good.publish(discovery, app, `${app}.v1.web.2`);
    await until(() => router.table.resolve(host)?.backends.length === 2, `${host} with 2 backends`);
    // Consecutive requests, so round robin starts some of each kind on the unreachable backend.
    for (let i = 0; i < 4; i++) expect(echoOf(await send(router.port, host)).backend).toBe("reachable");
    for (let i = 0; i < 4; i++) {
      expect(echoOf(await send(router.port, host, "/form", { method: "POST", body: `n=${i}` }))).toMatchObject({ backend: "reachable", body: `n=${i}` });
    }
  });
});
