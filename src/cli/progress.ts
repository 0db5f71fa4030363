import type { Io } from "./io";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Runs long work with "<label>... done" on stderr. On a terminal a spinner turns meanwhile; without
 * one (scripts, tests) the line is written plainly. `outcome` words the ending (default "done").
 */
export async function withProgress<T>(io: Io, label: string, work: () => Promise<T>, outcome: (result: T) => string = () => "done"): Promise<T> {
  let frame = 0;
  const timer = io.isTTY ? setInterval(() => io.stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label}...`), 100) : null;
  if (!io.isTTY) io.stderr.write(`${label}... `);
  const finish = (word: string) => {
    if (timer) {
      clearInterval(timer);
      io.stderr.write(`\r\x1b[K${label}... ${word}\n`);
    } else {
      io.stderr.write(`${word}\n`);
    }
  };
  try {
    const result = await work();
    finish(outcome(result));
    return result;
  } catch (error) {
    finish("failed");
    throw error;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `intervalMs` until it returns a value; null after `timeoutMs`. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs: number): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() + intervalMs > deadline) return null;
    await sleep(intervalMs);
  }
}
