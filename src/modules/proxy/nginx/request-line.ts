import type { RequestLogEntry } from "../request-log";

/**
 * One of nginx's request lines (log_format deis_request, fields in render.ts REQUEST_LOG_FIELDS) as
 * the Node router's entry; null if it is not one.
 */
export function parseRequestLine(line: string): RequestLogEntry | null {
  const fields = line.replace(/\r?\n$/, "").split("\t");
  if (fields.length !== 9) return null;
  const [app, statusText, seconds, method, host, requestId, backends, client, path] = fields;
  const status = Number(statusText);
  if (!app || !Number.isInteger(status)) return null;
  // Retried requests list every backend tried (", "; " : " across internal redirects): the last answered.
  const last = backends.split(/, | : /).at(-1) ?? "";
  return {
    app,
    method,
    path: unescape(path),
    status,
    durationMs: Number(seconds) * 1000 || 0,
    host: unescape(host),
    requestId: unescape(requestId),
    backend: /^\S+:\d+$/.test(last) ? last : null,
    clientAddress: client,
  };
}

/** nginx's \xHH escapes back to their characters (a variable with no value is logged as "-"). */
function unescape(text: string): string {
  if (text === "-") return "";
  if (!text.includes("\\x")) return text;
  // Escaped bytes (UTF-8 among them) back to bytes, then the whole as UTF-8.
  const bytes = text.replace(/\\x([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}
