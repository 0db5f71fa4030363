import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Who may read /metrics: loopback clients only, holders of the metrics token, or nobody. */
export type MetricsMode = "loopback" | "token" | "off";

export interface MetricsAccess {
  readonly mode: MetricsMode;
  /** The bearer token scrapers send in token mode. */
  readonly token: string | null;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/** Why a scrape is refused (status and text), or null when it may read the metrics. */
export function metricsRefusal(
  access: MetricsAccess,
  remoteAddress: string | undefined,
  authorization: string | undefined,
): { status: number; message: string } | null {
  if (access.mode === "off") return { status: 404, message: "metrics are off (DEIS_METRICS=off)" };
  if (access.mode === "loopback") {
    return remoteAddress !== undefined && LOOPBACK.test(remoteAddress) ? null : { status: 403, message: "metrics are served to loopback clients only" };
  }
  const given = /^Bearer\s+(\S+)$/i.exec((authorization ?? "").trim())?.[1];
  if (!given || !access.token) return { status: 401, message: "metrics need the metrics token (Authorization: Bearer <DEIS_METRICS_TOKEN>)" };
  const a = Buffer.from(given);
  const b = Buffer.from(access.token);
  return a.length === b.length && timingSafeEqual(a, b) ? null : { status: 401, message: "wrong metrics token" };
}

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Answers GET /metrics with `text()`, or the refusal; never throws. */
export function serveMetrics(req: IncomingMessage, res: ServerResponse, access: MetricsAccess, text: () => Promise<string>): void {
  const refused = metricsRefusal(access, req.socket.remoteAddress, req.headers.authorization);
  const answer = (status: number, type: string, body: string, extra: Record<string, string> = {}) => {
    if (res.headersSent) return void res.end();
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store", ...extra });
    res.end(body);
  };
  if (refused) {
    const extra: Record<string, string> = refused.status === 401 ? { "www-authenticate": 'Bearer realm="metrics"' } : {};
    return answer(refused.status, "text/plain; charset=utf-8", `${refused.message}\n`, extra);
  }
  if (req.method !== "GET" && req.method !== "HEAD") return answer(405, "text/plain; charset=utf-8", "GET /metrics\n", { allow: "GET, HEAD" });
  text().then(
    (body) => answer(200, METRICS_CONTENT_TYPE, body),
    () => answer(500, "text/plain; charset=utf-8", "metrics could not be collected\n"),
  );
}
