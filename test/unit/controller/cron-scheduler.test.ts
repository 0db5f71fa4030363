import { createLogger } from "../../../src/core/logger";
import type { LogLine } from "../../../src/core/topics";
import { type CronJobStore, CronScheduler, type ScheduledJob } from "../../../src/modules/controller/cron/cron-scheduler";
import { MemoryDiscoveryStore } from "../../../src/modules/discovery/memory-store";
import type { RunResult } from "../../../src/modules/runtime";

/** The scheduler's decisions with its clock, store and runner in hand: no database, no Docker, no waiting on time. */
describe("cron scheduler", () => {
  const log = createLogger("silent");
  const at = (iso: string) => new Date(iso);
  const result = (output: string, exitCode = 0): RunResult => ({ exitCode, output, stdout: output, stderr: "", timedOut: false });

  /** Jobs kept in memory, claimed as the database claims them (the tick only moves forward). */
  function memoryStore(jobs: ScheduledJob[]): CronJobStore & { claims: Map<string, Date> } {
    const claims = new Map<string, Date>();
    return {
      claims,
      all: async () => jobs,
      async claim(id, tick) {
        const last = claims.get(id);
        if (last && last >= tick) return false;
        claims.set(id, tick);
        return true;
      },
    };
  }

  /** A runner whose runs end when the test says. */
  function heldRunner() {
    const runs: { app: string; command: string; finish(r: RunResult | null): void }[] = [];
    return {
      runs,
      run: (app: string, command: string) => new Promise<RunResult | null>((finish) => runs.push({ app, command, finish })),
    };
  }

  function scheduler(store: CronJobStore, runner: { run(app: string, command: string, timeoutMs: number): Promise<RunResult | null> }, now = at("2026-03-02T10:05:00Z")) {
    const lines: LogLine[] = [];
    const events = { publish: async (_topic: unknown, line: unknown) => void lines.push(line as LogLine) };
    const made = new CronScheduler(store, runner, events as never, new MemoryDiscoveryStore(), { tickSeconds: 60, timeoutSeconds: 30, candidate: "a", election: "cron" }, log, () => now);
    const said = (id: string) => lines.filter((l) => l.source === `cron.${id}`).map((l) => l.message);
    return { made, lines, said };
  }

  /** Lets the runs' promise chains (log lines after a run ends) settle. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  test("runs a job in the minutes its schedule matches, with its output and exit code in the app's log", async () => {
    const runner = heldRunner();
    const { made, said } = scheduler(memoryStore([{ id: "j1", app: "shop", schedule: "*/5 * * * *", command: "node cleanup.js" }]), runner);
    await made.tick(at("2026-03-02T10:06:00Z"));
    await settle();
    expect(runner.runs).toHaveLength(0);
    await made.tick(at("2026-03-02T10:05:00Z"));
    await settle();
    expect(runner.runs.map((r) => [r.app, r.command])).toEqual([["shop", "node cleanup.js"]]);
    runner.runs[0].finish(result("removed 3 files\ndone\n"));
    await settle();
    expect(said("j1")).toEqual([
      "run of 2026-03-02T10:05:00.000Z started: node cleanup.js",
      "removed 3 files",
      "done",
      "run of 2026-03-02T10:05:00.000Z exited with code 0",
    ]);
  });

  test("a tick that would overlap the running run is skipped and said; the next one after it ends runs", async () => {
    const runner = heldRunner();
    const { made, said } = scheduler(memoryStore([{ id: "j2", app: "shop", schedule: "* * * * *", command: "sleep 90" }]), runner);
    await made.tick(at("2026-03-02T10:05:00Z"));
    await settle();
    await made.tick(at("2026-03-02T10:06:00Z"));
    await settle();
    expect(runner.runs).toHaveLength(1);
    expect(said("j2")).toContain("skipped the run of 2026-03-02T10:06:00.000Z: the run of 2026-03-02T10:05:00.000Z is still going");
    runner.runs[0].finish(result("", 1));
    await settle();
    await made.tick(at("2026-03-02T10:07:00Z"));
    await settle();
    expect(runner.runs).toHaveLength(2);
    expect(said("j2")).toContain("run of 2026-03-02T10:05:00.000Z exited with code 1");
  });

  test("two schedulers on one store run a tick once; an older tick is never run again", async () => {
    const store = memoryStore([{ id: "j3", app: "shop", schedule: "* * * * *", command: "true" }]);
    const runner = heldRunner();
    const one = scheduler(store, runner).made;
    const two = scheduler(store, runner).made;
    await Promise.all([one.tick(at("2026-03-02T10:05:00Z")), two.tick(at("2026-03-02T10:05:00Z"))]);
    await settle();
    expect(runner.runs).toHaveLength(1);
    runner.runs[0].finish(result(""));
    await settle();
    await two.tick(at("2026-03-02T10:04:00Z"));
    await settle();
    expect(runner.runs).toHaveLength(1);
  });

  test("an app with nothing deployed, a run that timed out and a run that could not start are each said", async () => {
    const runs: (() => Promise<RunResult | null>)[] = [
      async () => null,
      async () => ({ ...result("partial\n", 137), timedOut: true }),
      async () => {
        throw new Error("engine gone at /var/run/docker.sock");
      },
    ];
    const { made, said } = scheduler(memoryStore([{ id: "j4", app: "shop", schedule: "* * * * *", command: "true" }]), { run: () => runs.shift()!() });
    for (const minute of ["05", "06", "07"]) {
      await made.tick(at(`2026-03-02T10:${minute}:00Z`));
      await settle();
    }
    expect(said("j4").filter((m) => !m.includes("started"))).toEqual([
      "run of 2026-03-02T10:05:00.000Z skipped: shop has nothing deployed yet",
      "partial",
      "run of 2026-03-02T10:06:00.000Z took longer than 30 s and was stopped",
      // Not the internal message: what a user may see.
      "run of 2026-03-02T10:07:00.000Z could not start: internal server error",
    ]);
  });
});
