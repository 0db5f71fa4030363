import pino from "pino";
import { memoryLockStore } from "../../../src/modules/cache/locks";
import { InteractiveRunService, sessionLock } from "../../../src/modules/controller/services/interactive-run.service";
import type { AccessService } from "../../../src/modules/controller/services/access.service";
import type { DeployService } from "../../../src/modules/controller/services/deploy.service";

/** The sweep removes interactive one-offs whose session is gone (its lock is free), never a live or a new one. */
test("sweep: an old container whose lock is free is removed; a live session's and a new one are left", async () => {
  const now = Date.now();
  const containers = [
    { id: "orphan", startedAt: new Date(now - 5 * 60_000) },
    { id: "live", startedAt: new Date(now - 5 * 60_000) },
    { id: "new", startedAt: new Date(now - 5_000) },
    { id: "stopped", startedAt: null },
  ];
  const removed: string[] = [];
  const deploys = {
    terminals: async () => containers,
    removeTerminal: async (id: string) => void removed.push(id),
  } as unknown as DeployService;
  const locks = memoryLockStore();
  const live = await locks.tryAcquire(sessionLock("live"));
  const service = new InteractiveRunService({} as AccessService, deploys, locks, { idleMs: 1000, maxMs: 1000 }, pino({ level: "silent" }));
  expect(await service.sweep(now)).toBe(2);
  expect(removed).toEqual(["orphan", "stopped"]);
  // The sweep let go of the locks it took; the live session still holds its own.
  expect(await locks.tryAcquire(sessionLock("live"))).toBeNull();
  expect(await locks.tryAcquire(sessionLock("orphan"))).not.toBeNull();
  await live!.release();
});
