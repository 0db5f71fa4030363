import { invalidInput } from "../../../core/errors";
import { memoryBytes, nanoCpus } from "../../../core/units";
import type { Healthcheck } from "../../../entities";

const MIN_MEMORY = 6 * 1024 ** 2;
const MAX_MEMORY = 1024 ** 4;

/** "512M" -> bytes. Docker refuses less than 6 MiB. */
export function parseMemory(value: string, field: string): number {
  const bytes = memoryBytes(value);
  if (bytes === null) throw invalidInput(field, 'memory is a number with an optional unit B, K, M or G, e.g. "512M"');
  if (bytes < MIN_MEMORY) throw invalidInput(field, "memory must be at least 6M");
  if (bytes > MAX_MEMORY) throw invalidInput(field, "memory must be at most 1024G");
  return bytes;
}

/** "500m" (millicores) or "1.5" (cores) -> nano-CPUs, as Docker takes them. */
export function parseCpu(value: string, field: string): number {
  if (value.trim().startsWith("-")) throw invalidInput(field, "cpu must be positive");
  const nanos = nanoCpus(value);
  if (nanos === null) throw invalidInput(field, 'cpu is cores like "1.5" or millicores like "500m"');
  if (nanos < 0.01e9) throw invalidInput(field, "cpu must be at least 10m");
  if (nanos > 64e9) throw invalidInput(field, "cpu must be at most 64 cores");
  return nanos;
}

export interface HealthcheckInput {
  path?: string | null;
  initialDelaySeconds?: number | null;
  timeoutSeconds?: number | null;
  periodSeconds?: number | null;
  failureThreshold?: number | null;
}

function within(field: string, value: number | null | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw invalidInput(field, `must be a whole number from ${min} to ${max}`);
  return v;
}

export function validateHealthcheck(input: HealthcheckInput): Healthcheck {
  const path = input.path ?? null;
  if (path !== null && (!path.startsWith("/") || /[\s\u0000-\u001f\u007f]/.test(path) || path.length > 1024)) {
    throw invalidInput("path", 'must start with "/", have no spaces or control characters and be at most 1024 characters');
  }
  return {
    path,
    initialDelaySeconds: within("initialDelaySeconds", input.initialDelaySeconds, 0, 0, 600),
    // Bounded so one start of a process waits an hour at most (it holds the app's deploy lock).
    timeoutSeconds: within("timeoutSeconds", input.timeoutSeconds, 5, 1, 60),
    periodSeconds: within("periodSeconds", input.periodSeconds, 2, 1, 60),
    failureThreshold: within("failureThreshold", input.failureThreshold, 30, 1, 60),
  };
}
