import { DeisApiError } from "../../src/sdk/client";
import { scaled } from "../harness/time";

/** How a request answered during an outage: the API's error (or null when it succeeded) and how long it took. */
export interface OutageAnswer {
  readonly error: DeisApiError | null;
  readonly elapsedMs: number;
}

/**
 * Runs a request and measures how long it took to answer. The test fails (instead of hanging) when
 * no answer comes within a generous, scaled bound: the figure reported is `elapsedMs`, not asserted.
 */
export async function answerOf(call: Promise<unknown>, boundMs = 5_000): Promise<OutageAnswer> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${scaled(boundMs)} ms`)), scaled(boundMs));
  });
  try {
    await Promise.race([call, bound]);
    return { error: null, elapsedMs: Math.round(performance.now() - started) };
  } catch (error) {
    if (!(error instanceof DeisApiError)) throw error;
    return { error, elapsedMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** The error's code, the component it names and its message, for one toMatchObject. */
export function describeOutage(answer: OutageAnswer): { code: string; component: unknown; message: string } | null {
  if (!answer.error) return null;
  const first = answer.error.errors[0];
  return { code: answer.error.code, component: first?.extensions?.component, message: answer.error.message };
}

/** GET /healthz of the API at `apiUrl` (…/graphql): its status and JSON body. */
export async function healthz(apiUrl: string): Promise<{ status: number; body: { status: string; components: Record<string, string> } }> {
  const response = await fetch(new URL("/healthz", apiUrl));
  return { status: response.status, body: (await response.json()) as { status: string; components: Record<string, string> } };
}

/** Outage answer times, printed once per file so a run shows the figures (LOG=1 not needed). */
export const timings: string[] = [];
