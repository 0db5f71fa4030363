import pino from "pino";

export type Logger = pino.Logger;

/** Structured logs (pino). Quiet in tests unless LOG=1. */
export function createLogger(level: string, name = "deis"): Logger {
  const quiet = process.env.JEST_WORKER_ID !== undefined && process.env.LOG !== "1";
  return pino({ name, level: quiet ? "silent" : level });
}
