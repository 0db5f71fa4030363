import { openSync, readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { servicesOf } from "../../src/modules/discovery";
import type { DeisClient } from "../../src/sdk/client";
import { get, settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { testEnv } from "../harness/env";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Stops the Docker daemon by its PID and starts it again with the same command line. Runs in the
 * disruptive pass, alone, because every container on the engine stops with it.
 */
async function restartDockerd(): Promise<void> {
  const pid = Number(readFileSync("/var/run/docker.pid", "utf8").trim());
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  process.kill(pid, "SIGTERM");
  await eventually("dockerd to exit", async () => (alive(pid) ? undefined : true), 60_000);
  const log = openSync(join(testEnv.root, "dockerd-restarted.log"), "a");
  spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", log, log] }).unref();
}

describe("the Docker daemon restarts", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  const app = uniqueApp("dockerd");

  beforeAll(async () => {
    t = await startTestPlatform();
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    await settledRelease(alice, app, 2);
  });
  afterAll(() => t.stop());

  test("apps serve again without a manual step", async () => {
    const [before] = [...(await t.platform.discovery.getPrefix(servicesOf(app))).values()];
    expect((await get(before, "/health")).status).toBe(200);
    await restartDockerd();
    const after = await eventually(
      "the app to serve again through its route",
      async () => {
        const [address] = [...(await t.platform.discovery.getPrefix(servicesOf(app))).values()];
        return address && (await get(address, "/health")).status === 200 ? address : undefined;
      },
      120_000,
    );
    const { processes } = await alice.sdk.Processes({ app });
    expect(processes.map((p) => [p.name, p.state, p.address])).toEqual([[`${app}.v2.web.1`, "running", after]]);
  });
});
