import type { Io } from "./io";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Reports a step of long work ("web.1 v3 running"), printed as it happens. */
export type Step = (text: string) => void;

/**
 * Runs long work with "<label>... done" on stderr. On a terminal a spinner turns meanwhile; without
 * one (scripts, tests) the line is written plainly. `outcome` words the ending (default "done").
 * Steps the work reports go on lines of their own under the label, and the label is repeated with
 * the outcome at the end:
 *
 *     Deploying shop v3...
 *       web.1 v3 running
 *       web.1 v2 stopped
 *     Deploying shop v3... done
 */
export async function withProgress<T>(io: Io, label: string, work: (step: Step) => Promise<T>, outcome: (result: T) => string = () => "done"): Promise<T> {
  let frame = 0;
  let steps = 0;
  const spin = () => io.stderr.write(`\r\x1b[K${FRAMES[frame++ % FRAMES.length]} ${label}...`);
  const timer = io.isTTY ? setInterval(spin, 100) : null;
  if (!io.isTTY) io.stderr.write(`${label}...`);
  const step: Step = (text) => {
    if (timer) io.stderr.write(`\r\x1b[K  ${text}\n`);
    else io.stderr.write(`${steps === 0 ? "\n" : ""}  ${text}\n`);
    steps++;
  };
  const finish = (word: string) => {
    if (timer) {
      clearInterval(timer);
      io.stderr.write(`\r\x1b[K${label}... ${word}\n`);
    } else {
      io.stderr.write(steps === 0 ? ` ${word}\n` : `${label}... ${word}\n`);
    }
  };
  try {
    const result = await work(step);
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
