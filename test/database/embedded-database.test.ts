import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createDeisClient } from "../../src/sdk/client";
import { testEnv } from "../harness/env";
import { type PlatformProcess, startPlatformProcess } from "../harness/platform-process";
import { freePort } from "../harness/processes";

/** The PIDs of a process's descendants, each with its command line. */
function descendants(pid: number): { pid: number; cmdline: string }[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // ended while we looked
    }
  }
  const found: { pid: number; cmdline: string }[] = [];
  const queue = [...(parents.get(pid) ?? [])];
  while (queue.length > 0) {
    const child = queue.shift()!;
    try {
      found.push({ pid: child, cmdline: readFileSync(`/proc/${child}/cmdline`, "utf8").replace(/\0/g, " ") });
    } catch {
      continue;
    }
    queue.push(...(parents.get(child) ?? []));
  }
  return found;
}

/** Still executing: a zombie (exited, left for an init to reap, as orphans are) is not. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * The embedded database as `npm start` runs it (no DATABASE_URL): the host's PostgreSQL server as a
 * child of the platform, its data under the data dir. A restart finds the data; a stop leaves no
 * process behind; a platform that was killed leaves a server the next start stops and replaces.
 */
describe("the embedded PostgreSQL server", () => {
  const id = randomBytes(4).toString("hex");
  const dataDir = join(testEnv.root, `embedded-${id}`);
  const app = `kept-${id}`;
  let env: Record<string, string>;
  const started: PlatformProcess[] = [];

  beforeAll(async () => {
    env = {
      DEIS_DATA_DIR: dataDir,
      DEIS_EMBEDDED_DATABASE: "postgresql",
      DEIS_PLATFORM_ID: `embedded-${id}`,
      DEIS_ROUTER_PORT: String(await freePort()),
      DEIS_ROUTER_HTTPS_PORT: "off",
      DEIS_BUILDER_PORT: String(await freePort()),
      DEIS_SYSLOG_PORT: "off",
      DATABASE_URL: "",
      REDIS_URL: "",
      ETCD_ENDPOINTS: "",
    };
  });
  afterAll(async () => {
    for (const platform of started) await platform.stop();
  });

  async function start(): Promise<PlatformProcess> {
    const platform = await startPlatformProcess(env);
    started.push(platform);
    return platform;
  }

  /**
   * The platform's child processes: the postmaster of this data dir and its backends (the test runs
   * the platform through tsx, whose esbuild service is no child of the platform's own making).
   */
  function serverProcesses(platform: PlatformProcess): { pid: number; cmdline: string }[] {
    const tree = descendants(platform.pid).filter((p) => !p.cmdline.includes("esbuild"));
    const postmaster = tree.find((p) => p.cmdline.includes("postgres") && p.cmdline.includes(join(dataDir, "postgres")));
    expect(postmaster).toBeDefined();
    return tree;
  }

  test("keeps the data across a restart, and stops its processes with the platform", async () => {
    const first = await start();
    const anonymous = createDeisClient({ url: first.url });
    const { register } = await anonymous.sdk.Register({ input: { username: "keeper", password: "correct-horse-battery" } });
    await anonymous.close();
    const client = createDeisClient({ url: first.url, token: register.token });
    await client.sdk.CreateApp({ name: app });
    await client.close();
    const before = serverProcesses(first);
    await first.stop();
    expect(before.filter((p) => running(p.pid))).toEqual([]);

    const second = await start();
    const again = createDeisClient({ url: second.url });
    const { login } = await again.sdk.Login({ username: "keeper", password: "correct-horse-battery" });
    const authed = createDeisClient({ url: second.url, token: login.token });
    const { app: found } = await authed.sdk.App({ name: app });
    expect(found.name).toBe(app);
    await Promise.all([again.close(), authed.close()]);
    const after = serverProcesses(second);
    await second.stop();
    expect(after.filter((p) => running(p.pid))).toEqual([]);
  });

  test("a server left by a killed platform is stopped by the next start, which finds the data", async () => {
    const crashed = await start();
    const left = serverProcesses(crashed);
    await crashed.kill();
    const postmaster = left.find((p) => p.cmdline.includes(join(dataDir, "postgres")))!;
    expect(running(postmaster.pid)).toBe(true); // orphaned, still holding the data dir

    const next = await start();
    expect(running(postmaster.pid)).toBe(false);
    const client = createDeisClient({ url: next.url });
    const { login } = await client.sdk.Login({ username: "keeper", password: "correct-horse-battery" });
    const authed = createDeisClient({ url: next.url, token: login.token });
    expect((await authed.sdk.App({ name: app })).app.name).toBe(app);
    await Promise.all([client.close(), authed.close()]);
    const tree = serverProcesses(next);
    await next.stop();
    expect(tree.filter((p) => running(p.pid))).toEqual([]);
  });
});
