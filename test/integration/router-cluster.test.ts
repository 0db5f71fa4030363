import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { testEnv } from "../harness/env";
import { PLATFORM_DOMAIN, TestBackend, rawExchange, until } from "./router-helpers";

const SRC = resolve(__dirname, "../../src");

/** The program the cluster forks: two workers, each with its own in-process discovery seeded alike. */
const PROGRAM = `
import { createLogger } from ${JSON.stringify(join(SRC, "core/logger"))};
import { openDiscovery, platformKey, serviceKey } from ${JSON.stringify(join(SRC, "modules/discovery"))};
import { formatRequestLine, startRouterWorkers } from ${JSON.stringify(join(SRC, "modules/proxy"))};

async function main() {
  const running = await startRouterWorkers({
    workers: 2,
    host: "127.0.0.1",
    port: 0,
    log: createLogger("warn"),
    headerTimeoutMs: 500,
    discoveryFactory: () => {
      const discovery = openDiscovery([]);
      void discovery.put(platformKey("domain"), ${JSON.stringify(PLATFORM_DOMAIN)});
      void discovery.put(serviceKey("clustered", "clustered.v1.web.1"), "127.0.0.1:" + process.env.BACKEND_PORT);
      return discovery;
    },
    onRequest: (entry) => process.stdout.write(process.pid + " " + formatRequestLine(entry) + "\\n"),
  });
  if (running.role === "primary") {
    process.stdout.write("listening " + running.port + "\\n");
    process.once("SIGTERM", () => void running.close().then(() => process.exit(0)));
  }
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

function get(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host: `clustered.${PLATFORM_DOMAIN}` }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode ?? 0));
    });
    req.on("error", fail);
    req.end();
  });
}

describe("router workers (node:cluster)", () => {
  const dir = mkdtempSync(join(testEnv.root, "router-cluster-"));
  let child: ChildProcess | null = null;
  let backend: TestBackend;

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) child.kill("SIGKILL");
    await backend?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("two workers share the port, each routes, and they stop with the primary", async () => {
    backend = await TestBackend.start("cluster-web");
    const program = join(dir, "router-workers.ts");
    writeFileSync(program, PROGRAM);
    let output = "";
    child = spawn(process.execPath, ["--import", "tsx", program], {
      cwd: resolve(__dirname, "../.."),
      env: { ...process.env, BACKEND_PORT: String(backend.port) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    // The primary says when every worker listens; starting them (tsx compiling the program in each
    // process) takes as long as the machine needs, so wait for that line or the process's end, not a clock.
    const port = await new Promise<number>((listening, failed) => {
      child!.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const said = /listening (\d+)/.exec(output);
        if (said) listening(Number(said[1]));
      });
      child!.once("exit", (code, signal) => failed(new Error(`the router workers ended (${code ?? signal}) before listening:\n${output}`)));
    });

    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push(await get(port, `/n/${i}`));
    expect(statuses.every((status) => status === 200)).toBe(true);
    await until(() => (output.match(/\[router\]/g) ?? []).length === 20, "20 log lines");
    const lines = output.split("\n").filter((line) => line.includes("[router]"));
    expect(lines[0]).toMatch(/^\d+ clustered\[router\]: GET \/n\/\d+ 200 \d+ms$/);
    const workers = new Set(lines.map((line) => Number(line.split(" ")[0])));
    expect(workers.size).toBe(2);
    // The header timeout holds in the workers too: clients that stop mid-headers are cut off (the
    // cluster hands connections round robin, so four reach both workers).
    const slow = await Promise.all([1, 2, 3, 4].map(() => rawExchange(port, `GET / HTTP/1.1\r\nHost: clustered.${PLATFORM_DOMAIN}\r\nX-Slow: `)));
    for (const answer of slow) expect([0, 408]).toContain(answer.status);

    const exited = new Promise<number | null>((done) => child!.once("exit", (code) => done(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    await expect(get(port, "/after")).rejects.toThrow();
  });
});
