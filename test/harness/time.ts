/**
 * How much slower than an idle machine this run may be: DEIS_TEST_TIME_FACTOR (default 1), read by
 * jest.config.js for test timeouts too. Deadlines in the harness and tests are a base time
 * multiplied by it, never a bare constant, so a loaded machine gets more time, not a failure.
 */
export const TIME_FACTOR: number = (() => {
  const raw = process.env.DEIS_TEST_TIME_FACTOR;
  if (raw === undefined || raw === "") return 1;
  const factor = Number(raw);
  if (!Number.isFinite(factor) || factor < 1) throw new Error(`DEIS_TEST_TIME_FACTOR must be a number of 1 or more, not "${raw}"`);
  return factor;
})();

/** A deadline of `ms` on an idle machine, scaled for this one. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_FACTOR);
}
