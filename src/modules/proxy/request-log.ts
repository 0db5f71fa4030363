import { logIntakeTopic } from "../../core/topics";
import type { EventBus } from "../cache";

/** One request the router answered for an app (DESIGN.md "Logs": source `router`). */
export interface RequestLogEntry {
  readonly app: string;
  readonly method: string;
  /** Path and query, as requested. */
  readonly path: string;
  /** Status sent to the client; 499 when the client left before the answer was complete. */
  readonly status: number;
  readonly durationMs: number;
  readonly host: string;
  readonly requestId: string;
  /** `host:port` of the backend that answered; null for the router's own pages. */
  readonly backend: string | null;
  readonly clientAddress: string;
}

/** `GET /path 200 3ms`: what the router says of a request. */
export function requestMessage(entry: RequestLogEntry): string {
  return `${entry.method} ${entry.path} ${entry.status} ${Math.round(entry.durationMs)}ms`;
}

/** `<app>[router]: GET /path 200 3ms`: the log line without its time (the log server adds it). */
export function formatRequestLine(entry: RequestLogEntry): string {
  return `${entry.app}[router]: ${requestMessage(entry)}`;
}

/** Sends a request's line to the log server; a lost line never fails a request. */
export async function publishRequestLine(events: EventBus, entry: RequestLogEntry): Promise<void> {
  await events
    .publish(logIntakeTopic, { app: entry.app, source: "router", message: requestMessage(entry), at: new Date().toISOString() })
    .catch(() => undefined);
}
