import { scaled } from "./time";

/**
 * Polls `probe` until it returns something other than undefined, or fails after `timeoutMs` (on an
 * idle machine; scaled by DEIS_TEST_TIME_FACTOR) saying `what`. The deadline is a guard against a
 * hang, not an assertion on time: waits are for events, and a busy machine only makes them later.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + scaled(timeoutMs);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
