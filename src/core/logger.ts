import pino from "pino";

export type Logger = pino.Logger;

export interface LoggerOptions {
  /**
   * Lines for a person at a terminal (`12:00:01.234 INFO  deploy finished app=shop`) instead of
   * pino's JSON lines, which stay the default for anything that reads them (files, collectors).
   */
  readonly human?: boolean;
}

/** Structured logs (pino). Quiet in tests unless LOG=1. */
export function createLogger(level: string, name = "deis", options: LoggerOptions = {}): Logger {
  const quiet = process.env.JEST_WORKER_ID !== undefined && process.env.LOG !== "1";
  const settings = { name, level: quiet ? "silent" : level };
  if (!options.human) return pino(settings);
  return pino(settings, { write: (line: string) => void process.stdout.write(humanLine(line)) });
}

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
/** Fields every line has, which a person does not need to read on each one. */
const PLUMBING = new Set(["level", "time", "pid", "hostname", "name", "msg", "v"]);

/** One pino JSON line as a line for a terminal: time, level, message, then the other fields as key=value. */
export function humanLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  const time = typeof entry.time === "number" ? new Date(entry.time).toISOString().slice(11, 23) : "";
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields: string[] = [];
  let stack = "";
  for (const [key, value] of Object.entries(entry)) {
    if (PLUMBING.has(key)) continue;
    if (key === "err" && value && typeof value === "object") {
      const err = value as { message?: string; stack?: string };
      fields.push(`err=${JSON.stringify(err.message ?? "")}`);
      if (err.stack && (entry.level as number) >= 50) stack = `\n${err.stack.replace(/^/gm, "    ")}`;
      continue;
    }
    const text = typeof value === "string" ? (/^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)) : JSON.stringify(value);
    fields.push(`${key}=${text}`);
  }
  return `${time} ${level} ${String(entry.msg ?? "")}${fields.length > 0 ? ` ${fields.join(" ")}` : ""}${stack}\n`;
}
