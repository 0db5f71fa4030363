import { randomBytes } from "node:crypto";
import { servicesOf } from "../../src/modules/discovery";
import { openDiscovery } from "../../src/modules/discovery";
import { DockerEngine } from "../../src/modules/docker";
import { createDeisClient } from "../../src/sdk/client";
import { get, settledRelease, uniqueApp } from "../harness/apps";
import { type TestDatabase, createTestDatabase } from "../harness/database";
import { ECHO_IMAGE } from "../harness/docker";
import { testEnv } from "../harness/env";
import { removePlatformLeftovers } from "../harness/leftovers";
import { type PlatformProcess, startPlatformProcess } from "../harness/platform-process";
import { eventually } from "../harness/wait";

/** A controller killed in the middle of a deploy; another one finishes the job with nothing left over. */
describe("a controller killed mid-deploy", () => {
  const id = randomBytes(4).toString("hex");
  const app = uniqueApp("crash");
  const engine = new DockerEngine();
  let database: TestDatabase;
  let env: Record<string, string>;
  const running: PlatformProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: testEnv.redisUrl,
      ETCD_ENDPOINTS: testEnv.etcdEndpoints,
      ETCD_NAMESPACE: `/crash-${id}`,
      DEIS_PLATFORM_ID: `crash-${id}`,
      DEIS_DATA_DIR: `${testEnv.root}/crash-${id}`,
      DEIS_DRAIN_SECONDS: "1",
      // No timed passes: the takeover's deploy must come from its first pass (on election) and the
      // deploy's own retries when a component is not answering yet, not from a pass 30 s later.
      DEIS_RECONCILE_SECONDS: "3600",
    };
  });
  afterAll(async () => {
    for (const p of running) await p.stop();
    await removePlatformLeftovers(engine, `crash-${id}`, [app]);
    await database.drop();
  });

  test("leaves no duplicate or orphan containers once another controller takes over", async () => {
    const first = await startPlatformProcess(env);
    running.push(first);
    const anonymous = createDeisClient({ url: first.url });
    const { register } = await anonymous.sdk.Register({ input: { username: "alice", password: "correct-horse-battery" } });
    const alice = createDeisClient({ url: first.url, token: register.token });
    await alice.sdk.CreateApp({ name: app });
    // A slow healthcheck keeps the deploy in flight long enough to kill its controller.
    await alice.sdk.SetHealthcheck({ app, healthcheck: { path: "/health", initialDelaySeconds: 4 } });
    await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    await eventually("the new release's container", async () =>
      (await engine.listContainers([`deis.platform=crash-${id}`])).length > 0 ? true : undefined,
    );
    await first.kill();
    running.splice(running.indexOf(first), 1);

    const second = await startPlatformProcess(env);
    running.push(second);
    const again = createDeisClient({ url: second.url, token: register.token });
    // About 17 s from the kill here: this controller's start, the dead one's election lease (10 s)
    // and the 4 s healthcheck. The wait leaves room for a busy machine.
    expect(await settledRelease(again, app, 3, 150_000)).toMatchObject({ status: "SUCCEEDED" });
    const containers = await engine.listContainers([`deis.platform=crash-${id}`]);
    expect(containers.map((c) => [c.name, c.state])).toEqual([[`${app}.v3.web.1`, "running"]]);
    const discovery = openDiscovery([testEnv.etcdEndpoints], `/crash-${id}`);
    try {
      const routes = await eventually("one route", async () => {
        const found = [...(await discovery.getPrefix(servicesOf(app))).values()];
        return found.length === 1 ? found : undefined;
      });
      expect(routes).toEqual([`127.0.0.1:${containers[0].hostPort}`]);
      expect((await get(routes[0], "/health")).status).toBe(200);
    } finally {
      await discovery.close();
      await alice.close();
      await again.close();
      await anonymous.close();
    }
  });
});
