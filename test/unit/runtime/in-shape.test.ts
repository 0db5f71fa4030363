import type { Logger } from "../../../src/core/logger";
import type { ContainerState, DockerEngine } from "../../../src/modules/docker";
import { ContainerScheduler } from "../../../src/modules/runtime/container-scheduler";
import { containerName, processLabels } from "../../../src/modules/runtime/naming";
import type { ExpectedApp, RouteSink } from "../../../src/modules/runtime/scheduler";

/** The reconciler's cheap look: which apps a pass may skip, from one container listing (no engine here). */
function container(app: string, version: number, type: string, num: number, state = "running"): ContainerState {
  return {
    id: `${app}-${version}-${type}-${num}`,
    name: containerName(app, version, type, num),
    labels: processLabels("p", app, version, type, num),
    state,
    startedAt: new Date(),
    exitCode: state === "running" ? null : 1,
    hostPort: state === "running" ? 40000 + num : null,
    ip: null,
  };
}

function scheduler(containers: ContainerState[]): ContainerScheduler {
  const engine = { listContainers: () => Promise.resolve(containers) } as unknown as DockerEngine;
  return new ContainerScheduler(engine, { platformId: "p", hostIp: "127.0.0.1", drainSeconds: 0, stopTimeoutSeconds: 1 }, {} as Logger);
}

const routes = (kept: string[]): RouteSink => ({
  publish: () => Promise.resolve(),
  unpublish: () => Promise.resolve(),
  published: () => Promise.resolve([]),
  keeps: (_app, process) => kept.includes(process),
});

const web2: ExpectedApp = { app: "shop", version: 3, processes: [{ type: "web", count: 2, routed: true }, { type: "worker", count: 0, routed: false }] };

describe("ContainerScheduler.inShape", () => {
  test("an app running exactly its release's processes, routed by this controller, is in shape", async () => {
    const running = [container("shop", 3, "web", 1), container("shop", 3, "web", 2)];
    const fine = await scheduler(running).inShape([web2], routes(running.map((c) => c.name)));
    expect([...fine]).toEqual(["shop"]);
  });

  test("a missing, extra, stopped, older or unrouted process puts it out of shape", async () => {
    const cases: ContainerState[][] = [
      [container("shop", 3, "web", 1)],
      [container("shop", 3, "web", 1), container("shop", 3, "web", 2), container("shop", 3, "web", 3)],
      [container("shop", 3, "web", 1), container("shop", 3, "web", 2, "exited")],
      [container("shop", 2, "web", 1), container("shop", 3, "web", 2)],
    ];
    for (const running of cases) {
      expect(await scheduler(running).inShape([web2], routes(running.map((c) => c.name)))).toEqual(new Set());
    }
    const running = [container("shop", 3, "web", 1), container("shop", 3, "web", 2)];
    // Routed by a controller that is gone (after a restart): this one must publish them again.
    expect(await scheduler(running).inShape([web2], routes([running[0].name]))).toEqual(new Set());
  });

  test("an app that should run nothing is in shape only when nothing runs; one-offs do not count", async () => {
    const none: ExpectedApp = { app: "idle", version: null, processes: [] };
    expect(await scheduler([]).inShape([none], routes([]))).toEqual(new Set(["idle"]));
    expect(await scheduler([container("idle", 1, "run", 1)]).inShape([none], routes([]))).toEqual(new Set(["idle"]));
    expect(await scheduler([container("idle", 1, "web", 1)]).inShape([none], routes([]))).toEqual(new Set());
  });
});
