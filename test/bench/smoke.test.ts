/**
 * Benchmarks cannot rot: every bench in bench/ runs here at tiny sizes (BENCH_SMOKE=1, see
 * bench/support/settings.ts), one after another, as a user would run it (`tsx bench/<name>/run.ts`).
 * A bench that breaks (throws, exits non-zero, stops printing its comparison with its goal) fails
 * the run; its figures are not asserted: a smoke run's sizes are too small to mean anything, and a
 * test never asserts a wall-clock time.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const FACTOR = Number(process.env.DEIS_TEST_TIME_FACTOR ?? "1") || 1;
/** A guard against a hung bench, not a measurement: SIGINT lets it stop what it started. */
const GUARD_MS = 300_000 * FACTOR;
const BENCHES = readdirSync(join(ROOT, "bench"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, "bench", entry.name, "run.ts")))
  .map((entry) => entry.name)
  .sort();

function runBench(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      TSX,
      [join("bench", name, "run.ts")],
      { cwd: ROOT, env: { ...process.env, BENCH_SMOKE: "1" }, maxBuffer: 32 * 1024 * 1024, timeout: GUARD_MS, killSignal: "SIGINT" },
      (error, stdout, stderr) => resolve({ code: error ? (child.exitCode ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("every bench directory has a run.ts", () => {
  expect(BENCHES).toEqual(expect.arrayContaining(["api", "dashboard", "logs", "push", "redeploy", "router"]));
});

describe.each(BENCHES)("bench/%s in smoke mode", (name) => {
  it("runs to the end and prints its figures against its goal", async () => {
    const { code, stdout, stderr } = await runBench(name);
    if (code !== 0) throw new Error(`bench/${name} exited ${code}\n--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`);
    expect(stdout).toMatch(/\bgoals?\b/);
  }, GUARD_MS + 30_000);
});
