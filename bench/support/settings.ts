/**
 * A bench's sizes: full by default, tiny with BENCH_SMOKE=1 (the test run executes every bench that
 * way, test/bench/smoke.test.ts, so a bench that breaks fails CI; its figures stay out of tests).
 * An environment variable overrides either, e.g. BENCH_SECONDS=30.
 */
export const SMOKE = process.env.BENCH_SMOKE === "1";

/** A whole number >= `min` from `name`, else `full` (or `smoke` under BENCH_SMOKE=1). */
export function benchNumber(name: string, full: number, smoke: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return SMOKE ? smoke : full;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number >= ${min}, got "${raw}"`);
  return value;
}
