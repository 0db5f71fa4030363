import type { RequestLogEntry } from "../request-log";

/** One of nginx's JSON request lines (log_format deis_request) as the Node router's entry; null if it is not one. */
export function parseRequestLine(message: string): RequestLogEntry | null {
  const start = message.indexOf("{");
  if (start < 0) return null;
  try {
    const line = JSON.parse(message.slice(start)) as Record<string, string>;
    const status = Number(line.status);
    if (!line.app || !Number.isInteger(status)) return null;
    // Retried requests list every backend tried (", "; " : " across internal redirects): the last answered.
    const last = (line.backend ?? "").split(/, | : /).at(-1) ?? "";
    return {
      app: line.app,
      method: line.method ?? "",
      path: line.path ?? "",
      status,
      durationMs: Number(line.seconds) * 1000 || 0,
      host: line.host ?? "",
      requestId: line.requestId ?? "",
      backend: /^\S+:\d+$/.test(last) ? last : null,
      clientAddress: line.client ?? "",
    };
  } catch {
    return null;
  }
}
