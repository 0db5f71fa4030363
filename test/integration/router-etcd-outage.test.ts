import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { createLogger } from "../../src/core/logger";
import { type DiscoveryStore, openDiscovery, platformKey, serviceKey } from "../../src/modules/discovery";
import { type RunningRouter, startRouter } from "../../src/modules/proxy";
import { type Component, type EtcdPorts, startEtcd } from "../harness/components";
import { testEnv } from "../harness/env";
import { PLATFORM_DOMAIN, TestBackend, clientAgent, echoOf, engineOptions, engines, send } from "./router-helpers";
import { scaled } from "../harness/time";

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + scaled(timeoutMs);
  for (;;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(engines)("router (%s engine) while its etcd is down", (engine) => {
  // A dedicated etcd: the harness's shared one is never stopped.
  const dir = mkdtempSync(join(testEnv.root, "router-etcd-"));
  let etcd: Component & { endpoints: string; ports: EtcdPorts };
  let writer: DiscoveryStore;
  let discovery: DiscoveryStore;
  let router: RunningRouter;
  const backends: TestBackend[] = [];

  afterAll(async () => {
    await router?.close();
    await discovery?.close();
    await writer?.close();
    await etcd?.stop();
    for (const backend of backends) await backend.stop();
    clientAgent.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test("keeps serving the last routes, and catches up when etcd returns", async () => {
    etcd = await startEtcd(dir);
    writer = openDiscovery([etcd.endpoints]);
    discovery = openDiscovery([etcd.endpoints]);
    const [before, after] = [await TestBackend.start("before-outage"), await TestBackend.start("after-outage")];
    backends.push(before, after);
    await eventually("the first writes", async () => {
      await writer.put(platformKey("domain"), PLATFORM_DOMAIN);
      await before.publish(writer, "steady");
      return true;
    });
    router = await startRouter({ discovery, host: "127.0.0.1", port: 0, log: createLogger("info"), ...engineOptions(engine) });
    await eventually("the first route", async () => (router.table.resolve(`steady.${PLATFORM_DOMAIN}`)?.backends.length === 1 ? true : undefined));
    await router.settled();

    await etcd.stop();
    await eventually("etcd to stop", async () => ((await portOpen(etcd.ports.client)) ? undefined : true));
    // Served from the routes it holds: a router waiting on etcd would not answer at all.
    for (let i = 0; i < 20; i++) {
      expect(echoOf(await send(router.port, `steady.${PLATFORM_DOMAIN}`, `/during/${i}`)).backend).toBe("before-outage");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await send(router.port, `fresh.${PLATFORM_DOMAIN}`)).status).toBe(503);

    etcd = await startEtcd(dir, etcd.ports);
    await eventually("a write after the restart", async () => {
      await after.publish(writer, "fresh");
      return true;
    });
    await eventually("the router to route the new app", async () => {
      const answer = await send(router.port, `fresh.${PLATFORM_DOMAIN}`);
      return answer.status === 200 && echoOf(answer).backend === "after-outage" ? true : undefined;
    });
    // Still following: a removal after the restart is seen as well.
    // Each write may meet an etcd still busy with its restart (its operations are bounded to 1 s): retried.
    await eventually("a delete after the restart", async () => {
      await writer.delete(serviceKey("steady", before.name));
      return true;
    });
    await eventually("the removed route to go", async () => ((await send(router.port, `steady.${PLATFORM_DOMAIN}`)).status === 503 ? true : undefined));
    expect(echoOf(await send(router.port, `fresh.${PLATFORM_DOMAIN}`)).backend).toBe("after-outage");
  });
});
